import type { MikroORM } from '@mikro-orm/postgresql';
import { appendAuditEvents } from '../../shared/audit/audit-chain';
import { auditDraft } from '../../shared/audit/audit-draft';

/** A decision a workflow took (approval, policy denial, budget stop), for the audit trail. */
export interface RecordAuditEventInput {
  /**
   * Makes retries record once: derive it in the workflow (uuid4() from @temporalio/workflow is
   * replay-stable), never from Math.random or the clock.
   */
  eventId: string;
  /** Dotted verb: `approval.decided`, `policy.denied`, `budget.stopped`… */
  action: string;
  /** approved, rejected, denied, stopped… */
  outcome: string;
  resource?: { type: string; id?: string | null };
  /** The user the decision was made by, or on behalf of; without one the actor is the system. */
  actorUserId?: string | null;
  actorRole?: string | null;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  /** The workflow id, the reason… (never secrets). */
  context?: Record<string, unknown> | null;
  /** When it happened (workflow time); defaults to now. */
  occurredAt?: string;
  requestId?: string | null;
}

export function createAuditRecordActivities(deps: { orm: MikroORM }) {
  return {
    /** Appends one event to the audit chain; idempotent on eventId. Returns its seq (or null when already recorded). */
    async recordAuditEvent(input: RecordAuditEventInput): Promise<{ seq: number | null }> {
      const [seq] = await appendAuditEvents(deps.orm.em, [
        auditDraft({
          id: input.eventId,
          occurredAt: input.occurredAt ? new Date(input.occurredAt) : new Date(),
          actorType: input.actorUserId ? 'user' : 'system',
          actorUserId: input.actorUserId,
          actorRole: input.actorRole,
          action: input.action,
          outcome: input.outcome,
          resourceType: input.resource?.type,
          resourceId: input.resource?.id,
          before: input.before,
          after: input.after,
          context: input.context,
          requestId: input.requestId,
        }),
      ]);
      return { seq: seq ?? null };
    },
  };
}

export type AuditRecordActivities = ReturnType<typeof createAuditRecordActivities>;
