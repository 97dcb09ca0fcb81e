import { proxyActivities, setHandler, sleep, uuid4 } from '@temporalio/workflow';
import type { AuditRecordActivities } from '../../activities/audit/audit-record.activities';
import type { UserErasureActivities } from '../../activities/privacy/user-erasure.activities';
import { type UserErasureInput, type UserErasureReport, userErasureReportQuery } from './user-erasure.contract';

// Each step is idempotent: it removes what is still there and counts it.
const { beginUserErasure, eraseRedisKeys, pseudonymiseAuditEvents, eraseUserFiles, erasePostgresRows, eraseSearchIndexes, finishUserErasure, failUserErasure } =
  proxyActivities<UserErasureActivities>({
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8 },
  });

const { recordAuditEvent } = proxyActivities<AuditRecordActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 10 },
});

/** The API appends a request's audit event up to ~150 ms after answering: let the erasure request's own land first. */
const TRAIL_SETTLE = '3 seconds';

/**
 * Erases one user from every store. Order matters for re-runs: what needs the user row (turn ids for
 * Redis, the email for the trail) runs before the rows go, so a failed run can simply be started again.
 * A completed erasure is not redone: its stored report is returned.
 */
export async function userErasureWorkflow(input: UserErasureInput): Promise<UserErasureReport> {
  const begun = await beginUserErasure({ userId: input.userId, requestedBy: input.requestedBy });
  if (begun.completed) return begun.completed;
  const report: UserErasureReport = { subject: begun.subject, status: 'running', step: 'settle', stores: {}, startedAt: begun.startedAt, completedAt: null };
  setHandler(userErasureReportQuery, () => report);

  try {
    await sleep(TRAIL_SETTLE);
    report.step = 'redis';
    report.stores.redis = await eraseRedisKeys({ userId: input.userId });
    report.step = 'audit';
    report.stores.audit = await pseudonymiseAuditEvents({ userId: input.userId });
    report.step = 'files';
    report.stores.files = await eraseUserFiles({ userId: input.userId });
    report.step = 'postgres';
    const pg = await erasePostgresRows({ userId: input.userId });
    report.stores.postgres = pg.deleted;
    report.retained = pg.retained;
    report.step = 'search';
    report.stores.search = await eraseSearchIndexes({ userId: input.userId });
    report.step = 'audit-record';
    await recordAuditEvent({
      eventId: uuid4(),
      action: 'user.erased',
      outcome: 'success',
      resource: { type: 'user', id: report.subject },
      actorUserId: input.requestedBy,
      after: { stores: report.stores, retained: report.retained ?? {} },
      context: { erasure: report.subject, selfService: input.requestedBy === null },
      requestId: input.requestId ?? null,
    });
    report.step = null;
    report.status = 'completed';
    const finished = await finishUserErasure({ subject: report.subject, report });
    report.completedAt = finished.completedAt;
    return report;
  } catch (err) {
    report.status = 'failed';
    await failUserErasure({ subject: report.subject, report, error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}
