import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { BuiltInRole } from '../../shared/domain/roles';
import { ADMIN_PERMISSIONS, RoleDirectory } from '../../shared/governance/role-directory';
import { Role, Session, TeamMember, User, UserStatus } from '../../shared/persistence/entities';
import { AuditService } from '../audit/audit.service';
import { AccessTokenService } from '../common/auth/access-token.service';
import type { AuthenticatedRequest, Principal } from '../common/auth/principal';
import { afterCursor, decodeCursor, toPage } from '../common/pagination/cursor-page';
import { Problems } from '../common/problem/problem.exception';
import type { UserPageDto } from '../users/dto/list-users.dto';
import { UserDto } from '../users/dto/user.dto';
import { UsersService } from '../users/users.service';
import { parseUserCsv } from './csv-import';
import type { AdminListUsersQueryDto, BulkImportReportDto, ImpersonationDto } from './dto/admin-users.dto';
import { RuntimeSettings } from './runtime-settings.service';

function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * /admin/users: the filters, role changes, suspension, bulk import and impersonation. Suspension and
 * role changes go through UsersService (the last-admin lock, session revocation, audit) rather than a copy.
 */
@Injectable()
export class AdminUsersService implements OnModuleInit {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UsersService,
    private readonly roles: RoleDirectory,
    private readonly tokens: AccessTokenService,
    private readonly audit: AuditService,
    private readonly settings: RuntimeSettings,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit() {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    // Bulk import takes the CSV as the body.
    if (!fastify.hasContentTypeParser('text/csv')) fastify.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    // Every answer to an impersonated request says so, errors included.
    fastify.addHook('onSend', (req, reply, payload, done) => {
      const by = (req as AuthenticatedRequest).principal?.impersonatedBy;
      if (by) void reply.header('X-Impersonated-By', by);
      done(null, payload);
    });
  }

  async list(query: AdminListUsersQueryDto): Promise<UserPageDto> {
    const and: FilterQuery<User>[] = [afterCursor(decodeCursor(query.cursor)) as FilterQuery<User>];
    if (query.q) and.push({ $or: [{ email: { $ilike: likePattern(query.q) } }, { name: { $ilike: likePattern(query.q) } }] });
    if (query.createdFrom) and.push({ createdAt: { $gte: new Date(query.createdFrom) } });
    if (query.createdTo) and.push({ createdAt: { $lt: new Date(query.createdTo) } });
    if (query.team) {
      const members = await this.em.find(TeamMember, { team: query.team }, { fields: ['user'] });
      and.push({ id: { $in: members.map((m) => m.user.id) } });
    }
    const where: FilterQuery<User> = {
      status: query.status ?? { $ne: UserStatus.Deleted },
      ...(query.role ? { role: query.role } : {}),
      $and: and,
    };
    const rows = await this.em.find(User, where, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: query.limit + 1 });
    return toPage(rows, query.limit, UserDto.from);
  }

  async changeRole(actor: Principal, id: string, role: string): Promise<UserDto> {
    if (!(await this.em.count(Role, { name: role }))) throw Problems.validation([{ field: 'role', message: `no role named "${role}"` }]);
    return this.users.update(actor, id, { role });
  }

  /** Sessions and API keys are revoked at once; access tokens fail the status check on their next request. */
  async suspend(actor: Principal, id: string): Promise<UserDto> {
    return this.users.update(actor, id, { status: UserStatus.Suspended });
  }

  async activate(actor: Principal, id: string): Promise<UserDto> {
    return this.users.update(actor, id, { status: UserStatus.Active });
  }

  async bulkImport(actor: Principal, csv: unknown): Promise<BulkImportReportDto> {
    if (typeof csv !== 'string') throw Problems.badRequest('Send the CSV as the body with Content-Type: text/csv', [{ field: 'body', message: 'expected text/csv' }]);
    const roleNames = new Set((await this.em.find(Role, {}, { fields: ['name'] })).map((r) => r.name));
    const { rows, errors } = parseUserCsv(csv, this.settings.current.bulkImportMaxRows, roleNames);
    const report: BulkImportReportDto = { created: 0, skipped: 0, errors, users: [], skippedLines: [] };
    const seen = new Set<string>();
    for (const row of rows) {
      if (seen.has(row.email)) {
        report.skipped++;
        report.skippedLines.push({ line: row.line, email: row.email });
        continue;
      }
      seen.add(row.email);
      try {
        // Each account gets the usual invitation mail to set its password.
        const user = await this.users.create({ email: row.email, name: row.name, role: row.role });
        report.created++;
        report.users.push({ line: row.line, id: user.id, email: user.email });
      } catch (err) {
        this.em.clear();
        if (!(err instanceof UniqueConstraintViolationException) && (err as { getStatus?: () => number }).getStatus?.() !== 409) throw err;
        report.skipped++;
        report.skippedLines.push({ line: row.line, email: row.email });
      }
    }
    this.audit.record({ actor, action: 'user.bulk_imported', resource: { type: 'user' }, after: { created: report.created, skipped: report.skipped, errors: errors.length } });
    return report;
  }

  /**
   * A short-lived access token acting as `id`, on a session of its own (visible in that user's sessions,
   * revocable like any other). Never for an admin; the token itself carries no admin permission.
   */
  async impersonate(actor: Principal, id: string, ip?: string): Promise<ImpersonationDto> {
    if (actor.impersonatedBy) throw Problems.forbidden('An impersonation cannot start another one');
    const user = await this.em.findOne(User, id);
    if (!user || user.status === UserStatus.Deleted) throw Problems.notFound('User');
    if (user.status !== UserStatus.Active) throw Problems.conflict('Only an active user can be impersonated');
    const granted = await this.roles.permissionsFor(user.id, user.role);
    if (user.role === BuiltInRole.Admin || ADMIN_PERMISSIONS.some((p) => granted.has(p))) throw Problems.forbidden('Admins cannot be impersonated');

    const ttlSeconds = this.settings.current.impersonationTtlMinutes * 60;
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    const session = this.em.create(Session, { user, method: 'impersonation', expiresAt, ip: ip ?? null, userAgent: `impersonation by ${actor.email}` });
    await this.em.flush();
    const accessToken = await this.tokens.signImpersonation(user.id, session.id, actor.userId, ttlSeconds);
    this.audit.record({
      actor,
      action: 'user.impersonation_started',
      resource: { type: 'user', id: user.id },
      context: { sessionId: session.id, expiresAt: expiresAt.toISOString(), targetEmail: user.email },
    });
    return { accessToken, tokenType: 'Bearer', expiresIn: ttlSeconds, expiresAt: expiresAt.toISOString(), sessionId: session.id, userId: user.id, impersonatedBy: actor.userId };
  }
}
