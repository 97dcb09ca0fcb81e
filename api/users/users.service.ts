import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../shared/config/app-config';
import { BuiltInRole } from '../../shared/domain/roles';
import { OneTimeTokenPurpose, User, UserStatus } from '../../shared/persistence/entities';
import { hashPassword } from '../../shared/security/password-hasher';
import { AuditService } from '../audit/audit.service';
import { OneTimeTokens } from '../auth/one-time-tokens.service';
import type { Principal } from '../common/auth/principal';
import { afterCursor, decodeCursor, toPage } from '../common/pagination/cursor-page';
import { Problems } from '../common/problem/problem.exception';
import { EmailDispatcher } from '../mail/email-dispatcher.service';
import type { CreateUserDto } from './dto/create-user.dto';
import type { ListUsersQueryDto, UserPageDto } from './dto/list-users.dto';
import type { UpdateUserDto } from './dto/update-user.dto';
import { UserDto } from './dto/user.dto';
import { UserLifecycle } from './user-lifecycle.service';

/** LIKE treats % and _ as wildcards; a search for "a_b" means those characters. */
function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Administration of other users (users:read / users:manage). */
@Injectable()
export class UsersService {
  constructor(
    private readonly em: EntityManager,
    private readonly lifecycle: UserLifecycle,
    private readonly oneTimeTokens: OneTimeTokens,
    private readonly mail: EmailDispatcher,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async list(query: ListUsersQueryDto): Promise<UserPageDto> {
    const where: FilterQuery<User> = {
      status: query.status ?? { $ne: UserStatus.Deleted },
      ...(query.role ? { role: query.role } : {}),
      ...afterCursor(decodeCursor(query.cursor)),
    };
    if (query.q) {
      const search = { $or: [{ email: { $ilike: likePattern(query.q) } }, { name: { $ilike: likePattern(query.q) } }] };
      Object.assign(where, { $and: [search] });
    }
    const rows = await this.em.find(User, where, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: query.limit + 1 });
    return toPage(rows, query.limit, UserDto.from);
  }

  async create(dto: CreateUserDto): Promise<UserDto> {
    const passwordHash = dto.password ? await hashPassword(dto.password) : null;
    const user = this.em.create(User, { email: dto.email, name: dto.name, role: dto.role, passwordHash });
    try {
      await this.em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw Problems.conflict('An account with this email already exists');
      throw err;
    }
    if (!passwordHash) await this.sendSetPasswordMail(user);
    return UserDto.from(user);
  }

  async get(id: string): Promise<UserDto> {
    return UserDto.from(await this.findOrFail(this.em, id));
  }

  async update(principal: Principal, id: string, dto: UpdateUserDto): Promise<UserDto> {
    let accessChange: { before: Record<string, unknown>; after: Record<string, unknown> } | undefined;
    const user = await this.lifecycle.withAdminSetLock(async (em) => {
      const user = await this.findOrFail(em, id);
      if (user.status === UserStatus.Deleted) throw Problems.conflict('A deleted user cannot be changed');
      const demoted = dto.role !== undefined && dto.role !== BuiltInRole.Admin;
      const suspended = dto.status === UserStatus.Suspended;
      if (user.id === principal.userId && (demoted || suspended)) {
        throw Problems.conflict('Admins cannot demote or suspend themselves; ask another admin');
      }
      if (demoted || suspended) await this.lifecycle.assertNotLastAdmin(em, user);

      const wasActive = user.status === UserStatus.Active;
      const before = { role: user.role, status: user.status };
      if (dto.name !== undefined) user.name = dto.name;
      if (dto.role !== undefined) user.role = dto.role;
      if (dto.status !== undefined) user.status = dto.status;
      if (dto.emailVerified !== undefined) user.emailVerifiedAt = dto.emailVerified ? (user.emailVerifiedAt ?? new Date()) : null;
      await em.flush();
      // Access tokens already fail on the status check; sessions and API keys must not outlive the suspension.
      if (wasActive && suspended) {
        await this.lifecycle.revokeSessions(em, user.id, 'user-suspended');
        await this.lifecycle.revokeApiKeys(em, user.id);
      }
      if (before.role !== user.role || before.status !== user.status) accessChange = { before, after: { role: user.role, status: user.status } };
      return user;
    });
    // Recorded once committed: a rolled-back change is not in the trail.
    if (accessChange) this.audit.record({ actor: principal, action: 'user.access_changed', resource: { type: 'user', id: user.id }, ...accessChange });
    return UserDto.from(user);
  }

  async remove(principal: Principal, id: string): Promise<void> {
    if (id === principal.userId) throw Problems.conflict('Admins cannot delete themselves here; use DELETE /users/me');
    await this.lifecycle.withAdminSetLock(async (em) => {
      const user = await this.findOrFail(em, id);
      if (user.status === UserStatus.Deleted) return;
      await this.lifecycle.assertNotLastAdmin(em, user);
      await this.lifecycle.softDelete(em, user);
    });
  }

  private async findOrFail(em: EntityManager, id: string): Promise<User> {
    const user = await em.findOne(User, id);
    if (!user) throw Problems.notFound('User');
    return user;
  }

  // An invitation waits longer than a reset request: it uses the verification lifetime.
  private async sendSetPasswordMail(user: User): Promise<void> {
    const hours = this.config.EMAIL_VERIFICATION_TTL_HOURS;
    const { id, token } = await this.oneTimeTokens.issue(user, OneTimeTokenPurpose.ResetPassword, hours * 3_600_000);
    await this.mail.send(
      {
        to: user.email,
        purpose: 'set-password',
        subject: 'Set your password',
        text: [
          `Hello ${user.name},`,
          '',
          'An account was created for you. Choose a password by sending this token and your new password to POST /api/v3/auth/reset-password:',
          '',
          `token: ${token}`,
          '',
          `It expires in ${hours} hours.`,
        ].join('\n'),
      },
      id,
      user.id,
    );
  }
}
