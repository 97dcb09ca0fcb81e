import { anchorKeyFrom, auditEventHash, AuditEventFields, canonicalAuditEvent, canonicalRedactedRow, GENESIS_HASH } from '../../shared/audit/audit-hash';
import { auditPiiDigest, redactionSeal, redactionSealValid, userPseudonym, pseudonymKeyFrom } from '../../shared/audit/audit-pii';
import type { AuditEvent } from '../../shared/persistence/entities';
import { pseudonymiseAuditRow } from './audit-pseudonymise';

const userId = '0b6f5e0c-2a7d-4f1e-8c3b-9d8e7f6a5b4c';
const base: AuditEventFields = {
  id: '5d1f0a4e-8f7e-4c39-9a43-1d2b3c4d5e6f', seq: 7, occurredAt: new Date('2026-01-02T03:04:05.678Z'), actorType: 'user', actorUserId: userId, actorRole: 'member',
  actorEmail: 'alice@example.test', sessionId: null, apiKeyId: null, action: 'PATCH /users/me', resourceType: 'users', resourceId: null, outcome: 'success', statusCode: 200,
  ip: '10.0.0.1', userAgent: 'jest', requestId: 'req-1', before: null, after: null, context: null, prevHash: GENESIS_HASH,
};
const anchorKey = anchorKeyFrom('a'.repeat(44));
const subject = userPseudonym(pseudonymKeyFrom('a'.repeat(44)), userId);

describe('audit hash v2 and pseudonymisation', () => {
  const v2 = { ...base, piiDigest: auditPiiDigest(base, 'n'.repeat(32)) };

  it('v2 covers the personal fields only through their salted digest', () => {
    expect(canonicalAuditEvent(v2)).not.toContain('alice@example.test');
    expect(canonicalAuditEvent(v2)).toContain('"v":2');
    expect(auditEventHash({ ...v2, actorEmail: null, ip: null })).toBe(auditEventHash(v2));
    expect(auditEventHash({ ...v2, action: 'DELETE /users/me' })).not.toBe(auditEventHash(v2));
    // The nonce makes a guessed email unconfirmable without it.
    expect(auditPiiDigest(base, 'm'.repeat(32))).not.toBe(v2.piiDigest);
  });

  it('v1 rows (no digest) hash exactly as before', () => {
    expect(canonicalAuditEvent(base)).toContain('"actorEmail":"alice@example.test"');
    expect(canonicalAuditEvent(base)).toContain('"v":1');
  });

  it('gives the user a stable UUID-shaped pseudonym', () => {
    expect(subject).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(userPseudonym(pseudonymKeyFrom('a'.repeat(44)), userId.toUpperCase())).toBe(subject);
    expect(userPseudonym(pseudonymKeyFrom('b'.repeat(44)), userId)).not.toBe(subject);
  });

  it("replaces the user's own fields; another actor acting on them keeps theirs", () => {
    const own = pseudonymiseAuditRow({ ...base } as AuditEvent, { userId, email: 'alice@example.test', subject });
    expect(own).toMatchObject({ actorUserId: subject, actorEmail: null, ip: null, userAgent: null, resourceId: null, piiNonce: null });
    const byAdmin = pseudonymiseAuditRow({ ...base, actorUserId: 'admin-id', actorEmail: 'admin@example.test', resourceId: userId } as AuditEvent, { userId, email: 'alice@example.test', subject });
    expect(byAdmin).toMatchObject({ actorUserId: 'admin-id', actorEmail: 'admin@example.test', ip: '10.0.0.1', resourceId: subject });
  });

  it('a redaction seal vouches for the row as pseudonymised and breaks on any change', () => {
    const row = { ...base, hash: auditEventHash(base) };
    const redacted = { ...row, ...pseudonymiseAuditRow(row as unknown as AuditEvent, { userId, email: 'alice@example.test', subject }) };
    const seal = redactionSeal(anchorKey, row, canonicalRedactedRow(redacted));
    expect(redactionSealValid(anchorKey, { ...redacted, redactionSeal: seal }, canonicalRedactedRow(redacted))).toBe(true);
    expect(redactionSealValid(anchorKey, { ...redacted, redactionSeal: seal }, canonicalRedactedRow({ ...redacted, outcome: 'denied' }))).toBe(false);
    expect(redactionSealValid(anchorKeyFrom('z'.repeat(44)), { ...redacted, redactionSeal: seal }, canonicalRedactedRow(redacted))).toBe(false);
  });
});
