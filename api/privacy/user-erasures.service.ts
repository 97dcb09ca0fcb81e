import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/client';
import { pseudonymKeyFrom, userPseudonym } from '../../shared/audit/audit-pii';
import { AppConfig } from '../../shared/config/app-config';
import { currentRequestId } from '../../shared/observability/request-context';
import { User, UserErasure, UserErasureStatus } from '../../shared/persistence/entities';
import { verifyPassword } from '../../shared/security/password-hasher';
import { SA } from '../../temporal/search-attributes';
import { TemporalClient } from '../../temporal/temporal-client.module';
import type { userErasureWorkflow } from '../../workflows';
import { USER_ERASURE_WORKFLOW, UserErasureInput, UserErasureReport, userErasureReportQuery, userErasureWorkflowId } from '../../workflows/user-erasure/user-erasure.contract';
import type { Principal } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';
import { UserLifecycle } from '../users/user-lifecycle.service';
import type { UserErasureDto } from './dto/privacy.dto';

/**
 * Account erasure (GDPR art. 17): checks who may erase whom, then hands the work to the
 * `user-erasure:<userId>` workflow. Starting it again is safe: a running one is joined, a completed one
 * returns its stored report, a failed one picks up where it stopped.
 */
@Injectable()
export class UserErasuresService {
  private readonly log = new Logger(UserErasuresService.name);
  private readonly pseudonymKey: Buffer;

  constructor(
    private readonly em: EntityManager,
    private readonly temporal: TemporalClient,
    private readonly lifecycle: UserLifecycle,
    config: AppConfig,
  ) {
    this.pseudonymKey = pseudonymKeyFrom(config.DATA_ENCRYPTION_KEY);
  }

  /** DELETE /users/me?erase=true: the password again, and never the last admin. */
  async eraseSelf(principal: Principal, password: string): Promise<UserErasureDto> {
    await this.lifecycle.withAdminSetLock(async (em) => {
      const user = await em.findOneOrFail(User, principal.userId);
      // 403, not 401: the credential is fine, and clients treat 401 as "log out".
      if (!(await verifyPassword(user.passwordHash, password))) throw Problems.forbidden("password is not the account's current password");
      await this.lifecycle.assertNotLastAdmin(em, user);
    });
    return this.start(principal.userId, null);
  }

  /** An admin erases someone else; a user already erased gets their erasure again (a no-op). */
  async eraseUser(principal: Principal, userId: string): Promise<UserErasureDto> {
    if (userId === principal.userId) throw Problems.conflict('Admins erase their own account with DELETE /users/me?erase=true');
    await this.lifecycle.withAdminSetLock(async (em) => {
      const user = await em.findOne(User, userId);
      if (user) return this.lifecycle.assertNotLastAdmin(em, user);
      if (!(await this.em.findOne(UserErasure, { subjectPseudonym: this.subject(userId) }))) throw Problems.notFound('User');
    });
    return this.start(userId, principal.userId);
  }

  /** The erasure of `userId`: live while running, the stored report once done. */
  async get(userId: string): Promise<UserErasureDto> {
    const row = await this.em.findOne(UserErasure, { subjectPseudonym: this.subject(userId) }, { refresh: true });
    if (!row) throw Problems.notFound('Erasure');
    if (row.status === UserErasureStatus.Running) {
      try {
        const report = await this.temporal.workflow.getHandle(userErasureWorkflowId(userId)).query(userErasureReportQuery);
        return { subject: row.subjectPseudonym, status: report.status, report, error: null };
      } catch {
        /* not started yet or already closed: the row answers */
      }
    }
    return { subject: row.subjectPseudonym, status: row.status, report: row.report as unknown as UserErasureReport | null, error: row.error };
  }

  private subject(userId: string): string {
    return userPseudonym(this.pseudonymKey, userId);
  }

  private async start(userId: string, requestedBy: string | null): Promise<UserErasureDto> {
    const input: UserErasureInput = { userId, requestedBy, requestId: currentRequestId() };
    try {
      await this.temporal.workflow.start<typeof userErasureWorkflow>(USER_ERASURE_WORKFLOW, {
        workflowId: userErasureWorkflowId(userId),
        taskQueue: this.temporal.queue('background'),
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        typedSearchAttributes: [{ key: SA.kind, value: 'user-erasure' }, ...(input.requestId ? [{ key: SA.requestId, value: input.requestId }] : [])],
      });
    } catch (err) {
      this.log.error({ err }, 'user erasure start failed');
      throw Problems.unavailable('The workflow service is unavailable; try again shortly', 5);
    }
    const row = await this.em.findOne(UserErasure, { subjectPseudonym: this.subject(userId) }, { refresh: true });
    return { subject: this.subject(userId), status: row?.status ?? UserErasureStatus.Running, report: (row?.report as unknown as UserErasureReport | null) ?? null, error: row?.error ?? null };
  }
}
