import { randomUUID } from 'node:crypto';
import type { AuditEventFields } from './audit-hash';

/** An event before it joins the chain: everything but seq and the hashes. */
export type AuditDraft = Omit<AuditEventFields, 'seq' | 'prevHash'>;

export type AuditDraftInput = Partial<Omit<AuditDraft, 'action' | 'actorType' | 'outcome'>> & Pick<AuditDraft, 'action' | 'actorType' | 'outcome'>;

const LIMITS = { actorRole: 40, actorEmail: 320, action: 300, resourceType: 100, resourceId: 200, outcome: 40, ip: 64, userAgent: 512, requestId: 128 } as const;

/** Postgres rejects NUL in text and jsonb, and would cut nothing silently: clean and cap first, then hash. */
function text(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  return value.replaceAll('\u0000', '').slice(0, max);
}

/** What jsonb will hand back: no undefined, no Dates, no NUL characters. */
function json(value: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? v.replaceAll('\u0000', '') : v))) as Record<string, unknown>;
}

export function auditDraft(input: AuditDraftInput): AuditDraft {
  return {
    id: input.id ?? randomUUID(),
    occurredAt: input.occurredAt ?? new Date(),
    actorType: input.actorType,
    actorUserId: input.actorUserId ?? null,
    actorRole: text(input.actorRole, LIMITS.actorRole),
    actorEmail: text(input.actorEmail?.toLowerCase(), LIMITS.actorEmail),
    sessionId: input.sessionId ?? null,
    apiKeyId: input.apiKeyId ?? null,
    action: text(input.action, LIMITS.action)!,
    resourceType: text(input.resourceType, LIMITS.resourceType),
    resourceId: text(input.resourceId, LIMITS.resourceId),
    outcome: text(input.outcome, LIMITS.outcome)!,
    statusCode: input.statusCode ?? null,
    ip: text(input.ip, LIMITS.ip),
    userAgent: text(input.userAgent, LIMITS.userAgent),
    requestId: text(input.requestId, LIMITS.requestId),
    before: json(input.before),
    after: json(input.after),
    context: json(input.context),
  };
}
