import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { AuditActorType } from '../persistence/entities/audit-event.entity';

/** prev_hash of seq 1: the chain starts from nothing. */
export const GENESIS_HASH = '0'.repeat(64);

/** Every field the hash covers, exactly as it reads back from Postgres. */
export interface AuditEventFields {
  id: string;
  seq: number;
  occurredAt: Date;
  actorType: AuditActorType;
  actorUserId: string | null;
  actorRole: string | null;
  actorEmail: string | null;
  sessionId: string | null;
  apiKeyId: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  outcome: string;
  statusCode: number | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
  prevHash: string;
  /** Hash v2: the commitment to the personal fields (shared/audit/audit-pii.ts); absent on v1 rows. */
  piiDigest?: string | null;
}

/**
 * RFC 8785 (JCS) serialisation: sorted keys, fixed number and string forms, so jsonb's own key
 * order and spacing never change the hash. Absent values are explicit nulls.
 */
export function canonicalAuditEvent(e: AuditEventFields): string {
  if (e.piiDigest) return canonicalize(v2Fields(e)) as string;
  return canonicalize(v1Fields(e)) as string;
}

function v1Fields(e: AuditEventFields) {
  return {
    v: 1,
    id: e.id,
    seq: e.seq,
    occurredAt: e.occurredAt.toISOString(),
    actorType: e.actorType,
    actorUserId: e.actorUserId ?? null,
    actorRole: e.actorRole ?? null,
    actorEmail: e.actorEmail ?? null,
    sessionId: e.sessionId ?? null,
    apiKeyId: e.apiKeyId ?? null,
    action: e.action,
    resourceType: e.resourceType ?? null,
    resourceId: e.resourceId ?? null,
    outcome: e.outcome,
    statusCode: e.statusCode ?? null,
    ip: e.ip ?? null,
    userAgent: e.userAgent ?? null,
    requestId: e.requestId ?? null,
    before: e.before ?? null,
    after: e.after ?? null,
    context: e.context ?? null,
    prevHash: e.prevHash,
  };
}

// v2 leaves the personal fields out and covers their digest: they can be erased, the hash stays.
function v2Fields(e: AuditEventFields) {
  const { actorUserId: _u, actorEmail: _e, ip: _i, userAgent: _a, resourceId: _r, ...rest } = v1Fields(e);
  return { ...rest, v: 2, piiDigest: e.piiDigest };
}

/** The row as it reads after pseudonymisation (every field, its digest and hash), for redaction seals. */
export function canonicalRedactedRow(e: AuditEventFields & { hash: string }): string {
  return canonicalize({ ...v1Fields(e), v: 'redacted', piiDigest: e.piiDigest ?? null, hash: e.hash }) as string;
}

export function auditEventHash(e: AuditEventFields): string {
  return createHash('sha256').update(canonicalAuditEvent(e), 'utf8').digest('hex');
}

/** Key for signing retention anchors, derived so the data key itself never signs anything. */
export function anchorKeyFrom(dataEncryptionKey: string): Buffer {
  return createHash('sha256').update(`gateway-audit-anchor:${dataEncryptionKey}`).digest();
}

export function signAnchor(key: Buffer, seq: number, hash: string): string {
  return createHmac('sha256', key).update(`${seq}:${hash}`).digest('hex');
}

export function anchorSignatureValid(key: Buffer, seq: number, hash: string, signature: string | null): boolean {
  if (seq === 0 && hash === GENESIS_HASH) return true;
  if (!signature || signature.length !== 64) return false;
  return timingSafeEqual(Buffer.from(signAnchor(key, seq, hash), 'hex'), Buffer.from(signature, 'hex'));
}
