import { createHash } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { appendAuditEvents } from '../../shared/audit/audit-chain';
import { auditDraft } from '../../shared/audit/audit-draft';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A name-based (v5-style, SHA-1) UUID for a business key. */
function keyUuid(key: string): string {
  const h = createHash('sha1').update(`gateway:audit-event:${key}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** A decision a workflow took (approval, policy denial, budget stop), for the audit trail. */
export interface RecordAuditEventInput {
  /**
   * Makes retries record once: derive it in the workflow (uuid4() from @temporalio/workflow is
   * replay-stable), never from Math.random or the clock. A UUID is the event's id; any other string
   * is a business key (`approval:<requestId>:approved`) the id is derived from, stable across resets.
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
          id: UUID.test(input.eventId) ? input.eventId : keyUuid(input.eventId),
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
