import { anchorKeyFrom, anchorSignatureValid, auditEventHash, AuditEventFields, canonicalAuditEvent, GENESIS_HASH, signAnchor } from './audit-hash';
import { auditDraft } from './audit-draft';

const event: AuditEventFields = {
  id: '5d1f0a4e-8f7e-4c39-9a43-1d2b3c4d5e6f',
  seq: 7,
  occurredAt: new Date('2026-01-02T03:04:05.678Z'),
  actorType: 'user',
  actorUserId: '0b6f5e0c-2a7d-4f1e-8c3b-9d8e7f6a5b4c',
  actorRole: 'admin',
  actorEmail: 'admin@example.test',
  sessionId: null,
  apiKeyId: null,
  action: 'PATCH /users/:id',
  resourceType: 'users',
  resourceId: 'abc',
  outcome: 'success',
  statusCode: 200,
  ip: '10.0.0.1',
  userAgent: 'jest',
  requestId: 'req-1',
  before: { role: 'member', status: 'active' },
  after: { status: 'active', role: 'viewer' },
  context: null,
  prevHash: GENESIS_HASH,
};

describe('canonical audit hashing', () => {
  it('serialises with sorted keys at every level and explicit nulls', () => {
    const text = canonicalAuditEvent(event);
    expect(text.startsWith('{"action":"PATCH /users/:id","actorEmail":"admin@example.test"')).toBe(true);
    expect(text).toContain('"after":{"role":"viewer","status":"active"}');
    expect(text).toContain('"apiKeyId":null');
    expect(text).toContain('"occurredAt":"2026-01-02T03:04:05.678Z"');
    expect(text).toContain('"v":1');
  });

  it('does not depend on key order (jsonb reorders keys)', () => {
    const reordered = { ...event, after: { role: 'viewer', status: 'active' }, before: { status: 'active', role: 'member' } };
    expect(auditEventHash(reordered)).toBe(auditEventHash(event));
  });

  it('is a stable SHA-256 hex digest', () => {
    const hash = auditEventHash(event);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(auditEventHash({ ...event })).toBe(hash);
  });

  it.each([
    ['seq', { seq: 8 }],
    ['prevHash', { prevHash: 'f'.repeat(64) }],
    ['statusCode', { statusCode: 403 }],
    ['actorRole', { actorRole: 'member' }],
    ['after', { after: { role: 'admin', status: 'active' } }],
    ['occurredAt', { occurredAt: new Date('2026-01-02T03:04:05.679Z') }],
    ['null vs empty string', { ip: '' }],
  ])('changes when %s changes', (_field, change) => {
    expect(auditEventHash({ ...event, ...change })).not.toBe(auditEventHash(event));
  });

  it('drafts hash the same as what Postgres hands back (no undefined, Dates as strings, NUL stripped, capped)', () => {
    const draft = auditDraft({ actorType: 'anonymous', action: 'POST /auth/login', outcome: 'denied', actorEmail: 'Someone@Example.TEST', userAgent: `a\u0000b${'x'.repeat(600)}`, after: { at: new Date('2026-01-01T00:00:00Z'), gone: undefined } });
    expect(draft.actorEmail).toBe('someone@example.test');
    expect(draft.userAgent).toHaveLength(512);
    expect(draft.userAgent!.startsWith('abx')).toBe(true);
    expect(draft.after).toEqual({ at: '2026-01-01T00:00:00.000Z' });
    expect(draft.sessionId).toBeNull();
  });
});

describe('retention anchors', () => {
  const key = anchorKeyFrom('a'.repeat(44));

  it('accepts the genesis anchor unsigned and a signed one only with its own signature', () => {
    expect(anchorSignatureValid(key, 0, GENESIS_HASH, null)).toBe(true);
    const sig = signAnchor(key, 42, 'b'.repeat(64));
    expect(anchorSignatureValid(key, 42, 'b'.repeat(64), sig)).toBe(true);
    expect(anchorSignatureValid(key, 43, 'b'.repeat(64), sig)).toBe(false);
    expect(anchorSignatureValid(key, 42, 'c'.repeat(64), sig)).toBe(false);
    expect(anchorSignatureValid(anchorKeyFrom('z'.repeat(44)), 42, 'b'.repeat(64), sig)).toBe(false);
    expect(anchorSignatureValid(key, 42, 'b'.repeat(64), null)).toBe(false);
  });
});
