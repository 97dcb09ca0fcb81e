import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { BuiltInRole } from '../../shared/domain/roles';
import { GovernanceBus } from '../../shared/governance/governance-bus';
import { effectivePermissions } from '../../shared/governance/role-directory';
import { Role, Team, User, UserStatus } from '../../shared/persistence/entities';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../common/auth/principal';
import { afterCursor, CursorPageQuery, decodeCursor, toPage } from '../common/pagination/cursor-page';
import { Problems } from '../common/problem/problem.exception';
import type { CreateRoleDto, RoleDto, RolePageDto, UpdateRoleDto } from './dto/roles.dto';

export function roleDto(r: Role): RoleDto {
  const permissions = effectivePermissions({ name: r.name, permissions: r.permissions, built_in: r.builtIn, customized: r.customized });
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    permissions: [...permissions].sort(),
    builtIn: r.builtIn,
    customized: r.customized,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** Roles as data: built-ins stay (no delete, no rename; admin keeps every permission); a role in use cannot go. */
@Injectable()
export class AdminRolesService {
  constructor(
    private readonly em: EntityManager,
    private readonly bus: GovernanceBus,
    private readonly audit: AuditService,
  ) {}

  async list(query: CursorPageQuery): Promise<RolePageDto> {
    const rows = await this.em.find(Role, afterCursor(decodeCursor(query.cursor), 'asc'), { orderBy: { createdAt: 'asc', id: 'asc' }, limit: query.limit + 1 });
    return toPage(rows, query.limit, roleDto);
  }

  async get(id: string): Promise<RoleDto> {
    return roleDto(await this.find(this.em, id));
  }

  /** 404 unless `name` names a role; used wherever a role name enters (users, teams, imports). */
  async assertExists(name: string, field = 'role'): Promise<void> {
    if (!(await this.em.count(Role, { name }))) throw Problems.validation([{ field, message: `no role named "${name}"` }]);
  }

  async create(actor: Principal, dto: CreateRoleDto): Promise<RoleDto> {
    const role = this.em.create(Role, { name: dto.name, description: dto.description ?? '', permissions: [...new Set(dto.permissions)] });
    try {
      await this.em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw Problems.conflict(`A role named "${dto.name}" already exists`);
      throw err;
    }
    await this.changed(actor, 'role.created', role, null);
    return roleDto(role);
  }

  async update(actor: Principal, id: string, dto: UpdateRoleDto): Promise<RoleDto> {
    let before: RoleDto | undefined;
    const role = await this.em.transactional(async (em) => {
      const role = await this.find(em, id, true);
      before = roleDto(role);
      if (dto.name !== undefined && dto.name !== role.name) {
        if (role.builtIn) throw Problems.conflict('Built-in roles cannot be renamed');
        if (await em.count(Role, { name: dto.name })) throw Problems.conflict(`A role named "${dto.name}" already exists`);
        // Users and teams refer to roles by name: they follow the rename in the same transaction.
        await em.nativeUpdate(User, { role: role.name }, { role: dto.name });
        await em.nativeUpdate(Team, { role: role.name }, { role: dto.name });
        role.name = dto.name;
      }
      if (dto.permissions !== undefined) {
        if (role.builtIn && role.name === BuiltInRole.Admin) throw Problems.conflict('The admin role always holds every permission');
        role.permissions = [...new Set(dto.permissions)];
        role.customized = true;
      }
      if (dto.description !== undefined) role.description = dto.description;
      return role;
    });
    await this.changed(actor, 'role.updated', role, before!);
    return roleDto(role);
  }

  async remove(actor: Principal, id: string): Promise<void> {
    const role = await this.em.transactional(async (em) => {
      const role = await this.find(em, id, true);
      if (role.builtIn) throw Problems.conflict('Built-in roles cannot be deleted');
      const users = await em.count(User, { role: role.name, status: { $ne: UserStatus.Deleted } });
      if (users) throw Problems.conflict(`The role is assigned to ${users} user(s); reassign them first`);
      const teams = await em.count(Team, { role: role.name });
      if (teams) throw Problems.conflict(`The role is granted by ${teams} team(s); change them first`);
      em.remove(role);
      return role;
    });
    await this.changed(actor, 'role.deleted', null, roleDto(role), role.id);
  }

  private async changed(actor: Principal, action: string, role: Role | null, before: RoleDto | null, id = role?.id): Promise<void> {
    await this.bus.publish('roles');
    this.audit.record({ actor, action, resource: { type: 'role', id }, before: before ? { ...before } : null, after: role ? { ...roleDto(role) } : null });
  }

  private async find(em: EntityManager, id: string, lock = false): Promise<Role> {
    const role = await em.findOne(Role, id, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
    if (!role) throw Problems.notFound('Role');
    return role;
  }
}
