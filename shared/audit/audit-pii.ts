import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * Personal fields of an audit event. Since hash v2 the chain commits to them through
 * `piiDigest` = SHA-256(JCS of these fields + a random nonce), so erasure can pseudonymise them and
 * the chain still verifies. v1 rows (older) hash them in clear; erasure seals those instead.
 */
export interface AuditPii {
  actorUserId: string | null;
  actorEmail: string | null;
  ip: string | null;
  userAgent: string | null;
  resourceId: string | null;
}

export const PII_FIELDS = ['actorUserId', 'actorEmail', 'ip', 'userAgent', 'resourceId'] as const;

export function newPiiNonce(): string {
  return randomBytes(16).toString('hex');
}

export function auditPiiDigest(pii: AuditPii, nonce: string): string {
  const fields = { v: 2, nonce, ...Object.fromEntries(PII_FIELDS.map((f) => [f, pii[f] ?? null])) };
  return createHash('sha256').update(canonicalize(fields) as string, 'utf8').digest('hex');
}

/** Keys derived from the data key, one per purpose, so no derived key can stand in for another. */
export function pseudonymKeyFrom(dataEncryptionKey: string): Buffer {
  return createHash('sha256').update(`gateway-pseudonym:${dataEncryptionKey}`).digest();
}

/** A stable pseudonym for a user: HMAC-SHA256 of the id, shaped as a UUID (v8) so uuid columns hold it. */
export function userPseudonym(key: Buffer, userId: string): string {
  const b = createHmac('sha256', key).update(`user:${userId.toLowerCase()}`).digest().subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x80;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Seal of a pseudonymised row: HMAC (the retention anchor key) over seq, the row's unchanged chain hash
 * and the canonical row as it now reads. For v1 rows it is what vouches for the non-personal fields
 * (their hash needs the erased values); for v2 rows it also covers the pseudonyms written in.
 */
export function redactionSeal(anchorKey: Buffer, row: { seq: number; hash: string }, canonicalRow: string): string {
  const digest = createHash('sha256').update(canonicalRow, 'utf8').digest('hex');
  return createHmac('sha256', anchorKey).update(`redacted:${row.seq}:${row.hash}:${digest}`).digest('hex');
}

export function redactionSealValid(anchorKey: Buffer, row: { seq: number; hash: string; redactionSeal: string | null }, canonicalRow: string): boolean {
  if (!row.redactionSeal || row.redactionSeal.length !== 64) return false;
  return timingSafeEqual(Buffer.from(redactionSeal(anchorKey, row, canonicalRow), 'hex'), Buffer.from(row.redactionSeal, 'hex'));
}
