import type { FilterQuery } from '@mikro-orm/postgresql';
import type { AuditEvent } from '../persistence/entities/audit-event.entity';

/** Search criteria shared by GET /audit/events and audit reports (validated by the API's DTO). */
export interface AuditFilters {
  /** A user, session or API key id; or an email. */
  actor?: string;
  /** Exact action, e.g. `PATCH /users/:id`. */
  action?: string;
  resourceType?: string;
  resourceId?: string;
  outcome?: string;
  statusCode?: number;
  /** ISO timestamps; from inclusive, to exclusive. */
  from?: string;
  to?: string;
  /** Case-insensitive substring of action, resource id, actor email, ip, user agent or request id. */
  q?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** LIKE treats % and _ as wildcards; a search for "a_b" means those characters. */
function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function auditWhere(f: AuditFilters): FilterQuery<AuditEvent> {
  const and: FilterQuery<AuditEvent>[] = [];
  if (f.actor) {
    const actor = f.actor.trim().toLowerCase();
    and.push(UUID.test(actor) ? { $or: [{ actorUserId: actor }, { sessionId: actor }, { apiKeyId: actor }] } : { actorEmail: actor });
  }
  if (f.action) and.push({ action: f.action });
  if (f.resourceType) and.push({ resourceType: f.resourceType });
  if (f.resourceId) and.push({ resourceId: f.resourceId });
  if (f.outcome) and.push({ outcome: f.outcome });
  if (f.statusCode !== undefined) and.push({ statusCode: f.statusCode });
  if (f.from) and.push({ occurredAt: { $gte: new Date(f.from) } });
  if (f.to) and.push({ occurredAt: { $lt: new Date(f.to) } });
  if (f.q) {
    const like = likePattern(f.q);
    and.push({ $or: [{ action: { $ilike: like } }, { resourceId: { $ilike: like } }, { actorEmail: { $ilike: like } }, { ip: { $ilike: like } }, { userAgent: { $ilike: like } }, { requestId: { $ilike: like } }] });
  }
  return and.length ? { $and: and } : {};
}
