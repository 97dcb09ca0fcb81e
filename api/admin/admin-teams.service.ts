import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { GovernanceBus } from '../../shared/governance/governance-bus';
import { Role, Team, TeamMember, User, UserStatus } from '../../shared/persistence/entities';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../common/auth/principal';
import { afterCursor, CursorPageQuery, decodeCursor, toPage } from '../common/pagination/cursor-page';
import { Problems } from '../common/problem/problem.exception';
import type { AddTeamMemberDto, CreateTeamDto, TeamDto, TeamMemberDto, TeamMemberPageDto, TeamPageDto, UpdateTeamDto } from './dto/teams.dto';

function teamDto(t: Team, memberCount?: number): TeamDto {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    role: t.role,
    ...(memberCount !== undefined ? { memberCount } : {}),
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

function memberDto(m: TeamMember): TeamMemberDto {
  return { userId: m.user.id, email: m.user.email, name: m.user.name, teamRole: m.teamRole, addedAt: m.createdAt.toISOString() };
}

/** Teams and memberships; every change reaches the permission cache of every process through the bus. */
@Injectable()
export class AdminTeamsService {
  constructor(
    private readonly em: EntityManager,
    private readonly bus: GovernanceBus,
    private readonly audit: AuditService,
  ) {}

  async list(query: CursorPageQuery): Promise<TeamPageDto> {
    const rows = await this.em.find(Team, afterCursor(decodeCursor(query.cursor)), { orderBy: { createdAt: 'desc', id: 'desc' }, limit: query.limit + 1 });
    return toPage(rows, query.limit, (t) => teamDto(t));
  }

  async get(id: string): Promise<TeamDto> {
    const team = await this.find(id);
    return teamDto(team, await this.em.count(TeamMember, { team }));
  }

  async create(actor: Principal, dto: CreateTeamDto): Promise<TeamDto> {
    if (dto.role) await this.assertRole(dto.role);
    const team = this.em.create(Team, { name: dto.name, description: dto.description ?? '', role: dto.role ?? null });
    await this.flushUnique(dto.name);
    this.audit.record({ actor, action: 'team.created', resource: { type: 'team', id: team.id }, after: { ...teamDto(team) } });
    return teamDto(team, 0);
  }

  async update(actor: Principal, id: string, dto: UpdateTeamDto): Promise<TeamDto> {
    const team = await this.find(id);
    const before = teamDto(team);
    if (dto.role) await this.assertRole(dto.role);
    if (dto.name !== undefined) team.name = dto.name;
    if (dto.description !== undefined) team.description = dto.description;
    if (dto.role !== undefined) team.role = dto.role;
    await this.flushUnique(team.name);
    if (before.role !== team.role) await this.bus.publish('roles');
    this.audit.record({ actor, action: 'team.updated', resource: { type: 'team', id }, before: { ...before }, after: { ...teamDto(team) } });
    return this.get(id);
  }

  async remove(actor: Principal, id: string): Promise<void> {
    const team = await this.find(id);
    await this.em.remove(team).flush();
    await this.bus.publish('roles');
    this.audit.record({ actor, action: 'team.deleted', resource: { type: 'team', id }, before: { ...teamDto(team) } });
  }

  async members(id: string, query: CursorPageQuery): Promise<TeamMemberPageDto> {
    const team = await this.find(id);
    const rows = await this.em.find(TeamMember, { team, ...afterCursor(decodeCursor(query.cursor)) }, { populate: ['user'], orderBy: { createdAt: 'desc', id: 'desc' }, limit: query.limit + 1 });
    return toPage(rows, query.limit, memberDto);
  }

  async addMember(actor: Principal, id: string, dto: AddTeamMemberDto): Promise<TeamMemberDto> {
    const team = await this.find(id);
    const user = await this.em.findOne(User, { id: dto.userId, status: { $ne: UserStatus.Deleted } });
    if (!user) throw Problems.notFound('User');
    const member = this.em.create(TeamMember, { team, user, teamRole: dto.teamRole ?? 'member' });
    try {
      await this.em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw Problems.conflict('The user is already a member of this team');
      throw err;
    }
    await this.bus.publish('roles');
    this.audit.record({ actor, action: 'team.member_added', resource: { type: 'team', id }, after: { userId: user.id, teamRole: member.teamRole } });
    return memberDto(member);
  }

  async removeMember(actor: Principal, id: string, userId: string): Promise<void> {
    const team = await this.find(id);
    const removed = await this.em.nativeDelete(TeamMember, { team, user: userId });
    if (!removed) throw Problems.notFound('Team member');
    await this.bus.publish('roles');
    this.audit.record({ actor, action: 'team.member_removed', resource: { type: 'team', id }, before: { userId } });
  }

  private async assertRole(name: string): Promise<void> {
    if (!(await this.em.count(Role, { name }))) throw Problems.validation([{ field: 'role', message: `no role named "${name}"` }]);
  }

  private async flushUnique(name: string): Promise<void> {
    try {
      await this.em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw Problems.conflict(`A team named "${name}" already exists`);
      throw err;
    }
  }

  private async find(id: string): Promise<Team> {
    const team = await this.em.findOne(Team, id);
    if (!team) throw Problems.notFound('Team');
    return team;
  }
}
