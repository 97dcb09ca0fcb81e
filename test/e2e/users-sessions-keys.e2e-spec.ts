import { randomUUID } from 'node:crypto';
import { login, loginAdmin, registerUser, TestAccount } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';

let ipSeq = 0;
const freshIp = () => `10.${(process.pid % 200) + 20}.${(ipSeq++ % 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;

async function secondLogin(u: TestAccount, userAgent = 'second-device/1.0') {
  const res = await login(u.email, u.password, { 'x-forwarded-for': freshIp(), 'user-agent': userAgent });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { accessToken: string; refreshToken: string };
}

async function newKey(token: string, body: Record<string, unknown> = { name: 'test key' }, owner = 'me') {
  const res = await api('POST', `/users/${owner}/api-keys`, { token, body });
  if (res.status !== 201) throw new Error(`key create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; key: string; prefix: string; scopes: string[]; expiresAt: string | null };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('users: sessions', () => {
  let admin: string;
  beforeAll(async () => {
    admin = await loginAdmin();
  });

  it('lists live sessions with the current one marked, by id or by "me"', async () => {
    const u = await registerUser('sess');
    const other = await secondLogin(u);
    const mine = await api('GET', '/users/me/sessions', { token: u.accessToken });
    expect(mine.status).toBe(200);
    expect(mine.body.items).toHaveLength(2);
    const current = mine.body.items.filter((s: { current: boolean }) => s.current);
    expect(current).toHaveLength(1);
    const second = mine.body.items.find((s: { current: boolean }) => !s.current);
    expect(second).toMatchObject({ userAgent: 'second-device/1.0', method: 'password', revokedAt: null });
    for (const field of ['id', 'ip', 'createdAt', 'lastUsedAt', 'expiresAt']) expect(second[field]).toEqual(expect.any(String));
    const byId = await api('GET', `/users/${u.id}/sessions`, { token: other.accessToken });
    expect(byId.body.items.map((s: { id: string }) => s.id).sort()).toEqual(mine.body.items.map((s: { id: string }) => s.id).sort());
    expect(byId.body.items.find((s: { current: boolean }) => s.current).id).toBe(second.id);
  });

  it('revoking a session ends its tokens at once; the list hides it unless includeRevoked=true', async () => {
    const u = await registerUser('sess-revoke');
    const other = await secondLogin(u);
    const list = await api('GET', '/users/me/sessions', { token: u.accessToken });
    const otherId = list.body.items.find((s: { current: boolean }) => !s.current).id;

    expect((await api('DELETE', `/users/me/sessions/${otherId}`, { token: u.accessToken })).status).toBe(204);
    expectProblem(await api('GET', '/users/me', { token: other.accessToken }), 401);
    expectProblem(await api('POST', '/auth/refresh', { body: { refreshToken: other.refreshToken } }), 401);
    expect((await api('GET', '/users/me', { token: u.accessToken })).status).toBe(200);

    const live = await api('GET', '/users/me/sessions', { token: u.accessToken });
    expect(live.body.items.map((s: { id: string }) => s.id)).not.toContain(otherId);
    const all = await api('GET', '/users/me/sessions?includeRevoked=true', { token: u.accessToken });
    expect(all.body.items.find((s: { id: string }) => s.id === otherId).revokedAt).toEqual(expect.any(String));
    // Idempotent.
    expect((await api('DELETE', `/users/me/sessions/${otherId}`, { token: u.accessToken })).status).toBe(204);
  });

  it('pages sessions with limit and nextCursor', async () => {
    const u = await registerUser('sess-page');
    await secondLogin(u);
    await secondLogin(u);
    const first = await api('GET', '/users/me/sessions?limit=2', { token: u.accessToken });
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const next = await api('GET', `/users/me/sessions?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`, { token: u.accessToken });
    expect(next.body.items).toHaveLength(1);
    expect(next.body.nextCursor).toBeNull();
    expectProblem(await api('GET', '/users/me/sessions?limit=101', { token: u.accessToken }), 400);
  });

  it("answers 404 on another user's sessions (list and revoke), so ids cannot be probed", async () => {
    const a = await registerUser('sess-a');
    const b = await registerUser('sess-b');
    const bSession = (await api('GET', '/users/me/sessions', { token: b.accessToken })).body.items[0].id;

    expectProblem(await api('GET', `/users/${b.id}/sessions`, { token: a.accessToken }), 404);
    expectProblem(await api('GET', `/users/${randomUUID()}/sessions`, { token: a.accessToken }), 404);
    expectProblem(await api('DELETE', `/users/${b.id}/sessions/${bSession}`, { token: a.accessToken }), 404);
    // B's session under A's own path is not A's.
    expectProblem(await api('DELETE', `/users/me/sessions/${bSession}`, { token: a.accessToken }), 404);
    expect((await api('GET', '/users/me', { token: b.accessToken })).status).toBe(200);
  });

  it("an admin lists and revokes another user's sessions", async () => {
    const b = await registerUser('sess-admin');
    const list = await api('GET', `/users/${b.id}/sessions`, { token: admin });
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0].current).toBe(false);
    expect((await api('DELETE', `/users/${b.id}/sessions/${list.body.items[0].id}`, { token: admin })).status).toBe(204);
    expectProblem(await api('GET', '/users/me', { token: b.accessToken }), 401);
    expectProblem(await api('DELETE', `/users/${b.id}/sessions/${randomUUID()}`, { token: admin }), 404);
  });

  it.each([
    ['a malformed user id', '/users/nope/sessions', 'GET'],
    ['a malformed session id', '/users/me/sessions/not-a-uuid', 'DELETE'],
    ['"me" as a session id', '/users/me/sessions/me', 'DELETE'],
    ['includeRevoked that is not a boolean', '/users/me/sessions?includeRevoked=maybe', 'GET'],
    ['an unknown query field', '/users/me/sessions?all=1', 'GET'],
  ])('rejects %s with a 400 problem', async (_label, path, method) => {
    const u = await registerUser('sess-bad');
    expectProblem(await api(method, path, { token: u.accessToken }), 400);
  });

  it('needs a credential', async () => {
    expectProblem(await api('GET', '/users/me/sessions'), 401);
  });
});

describe('users: API keys', () => {
  let admin: string;
  beforeAll(async () => {
    admin = await loginAdmin();
  });

  it('shows the key once, stores it hashed, authenticates with it and records lastUsedAt', async () => {
    const u = await registerUser('key');
    const created = await api('POST', '/users/me/api-keys', { token: u.accessToken, body: { name: 'laptop', expiresInDays: 30 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'laptop', scopes: ['*'], revokedAt: null, lastUsedAt: null });
    expect(created.body.key).toMatch(new RegExp(`^gk_${created.body.prefix}_[A-Za-z0-9_-]{40,}$`));
    const days = (new Date(created.body.expiresAt).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    const me = await api('GET', '/users/me', { headers: { authorization: `Bearer ${created.body.key}` } });
    expect(me.body.id).toBe(u.id);

    const list = await api('GET', `/users/${u.id}/api-keys`, { token: u.accessToken });
    expect(list.body.items).toHaveLength(1);
    const listed = list.body.items[0];
    expect(listed).toMatchObject({ id: created.body.id, prefix: created.body.prefix, name: 'laptop', scopes: ['*'] });
    expect(listed).not.toHaveProperty('key');
    expect(listed).not.toHaveProperty('keyHash');
    expect(JSON.stringify(list.body)).not.toContain(created.body.key.split('_')[2]);
    expect(new Date(listed.lastUsedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('revocation makes the key 401 at once', async () => {
    const u = await registerUser('key-revoke');
    const k = await newKey(u.accessToken);
    expect((await api('GET', '/users/me', { token: k.key })).status).toBe(200);
    expect((await api('DELETE', `/users/me/api-keys/${k.id}`, { token: u.accessToken })).status).toBe(204);
    expectProblem(await api('GET', '/users/me', { token: k.key }), 401);
    const list = await api('GET', '/users/me/api-keys', { token: u.accessToken });
    expect(list.body.items[0].revokedAt).toEqual(expect.any(String));
    expect((await api('DELETE', `/users/me/api-keys/${k.id}`, { token: u.accessToken })).status).toBe(204);
  });

  it('expiry makes the key 401', async () => {
    const u = await registerUser('key-expiry');
    const k = await newKey(u.accessToken, { name: 'short', expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await api('GET', '/users/me', { token: k.key })).status).toBe(200);
    await sleep(1700);
    expectProblem(await api('GET', '/users/me', { token: k.key }), 401);
  });

  it('an unknown or tampered key is 401', async () => {
    const u = await registerUser('key-tamper');
    const k = await newKey(u.accessToken);
    expectProblem(await api('GET', '/users/me', { token: `${k.key.slice(0, -2)}xx` }), 401);
    expectProblem(await api('GET', '/users/me', { token: 'gk_nothing_here' }), 401);
  });

  it('scopes narrow the owner: a self:manage key of an admin cannot call an admin route', async () => {
    const ownerEmail = `key-admin-${randomUUID().slice(0, 8)}@example.test`;
    const owner = await api('POST', '/users', { token: admin, body: { email: ownerEmail, name: 'Key admin', role: 'admin', password: 'correct horse battery' } });
    expect(owner.status).toBe(201);
    const narrow = await newKey(admin, { name: 'narrow', scopes: ['self:manage'] }, owner.body.id);
    const wide = await newKey(admin, { name: 'wide', scopes: ['*'] }, owner.body.id);

    expectProblem(await api('GET', '/users', { token: narrow.key }), 403);
    expectProblem(await api('GET', `/users/${owner.body.id}`, { token: narrow.key }), 403);
    expect((await api('GET', '/users/me', { token: narrow.key })).body.id).toBe(owner.body.id);
    expect((await api('GET', '/users/me/api-keys', { token: narrow.key })).status).toBe(200);
    expect((await api('GET', '/users', { token: wide.key })).status).toBe(200);
    // With users:manage out of scope, other users' keys are not even visible.
    const someone = await registerUser('key-someone');
    expectProblem(await api('GET', `/users/${someone.id}/api-keys`, { token: narrow.key }), 404);
    expect((await api('GET', `/users/${someone.id}/api-keys`, { token: wide.key })).status).toBe(200);
  });

  it('a key cannot mint a key wider than itself, nor manage keys without self:manage', async () => {
    const u = await registerUser('key-mint');
    const selfOnly = await newKey(u.accessToken, { name: 'self', scopes: ['self:manage'] });
    expectProblem(await api('POST', '/users/me/api-keys', { token: selfOnly.key, body: { name: 'all' } }), 403);
    expectProblem(await api('POST', '/users/me/api-keys', { token: selfOnly.key, body: { name: 'chat', scopes: ['chat:use'] } }), 403);
    expect((await api('POST', '/users/me/api-keys', { token: selfOnly.key, body: { name: 'same', scopes: ['self:manage'] } })).status).toBe(201);

    const readOnly = await newKey(u.accessToken, { name: 'read', scopes: ['conversations:read'] });
    expectProblem(await api('GET', '/users/me/api-keys', { token: readOnly.key }), 403);
    expectProblem(await api('POST', '/users/me/api-keys', { token: readOnly.key, body: { name: 'x', scopes: ['conversations:read'] } }), 403);
  });

  it("answers 404 on another user's keys (list, create, revoke)", async () => {
    const a = await registerUser('key-a');
    const b = await registerUser('key-b');
    const bKey = await newKey(b.accessToken);

    expectProblem(await api('GET', `/users/${b.id}/api-keys`, { token: a.accessToken }), 404);
    expectProblem(await api('POST', `/users/${b.id}/api-keys`, { token: a.accessToken, body: { name: 'sneaky' } }), 404);
    expectProblem(await api('DELETE', `/users/${b.id}/api-keys/${bKey.id}`, { token: a.accessToken }), 404);
    expectProblem(await api('DELETE', `/users/me/api-keys/${bKey.id}`, { token: a.accessToken }), 404);
    expectProblem(await api('GET', `/users/${randomUUID()}/api-keys`, { token: a.accessToken }), 404);
    // B's key still works and B still has exactly one key.
    expect((await api('GET', '/users/me', { token: bKey.key })).status).toBe(200);
    expect((await api('GET', '/users/me/api-keys', { token: b.accessToken })).body.items).toHaveLength(1);
  });

  it("an admin lists, creates and revokes another user's keys", async () => {
    const b = await registerUser('key-admin-target');
    const k = await newKey(admin, { name: 'issued by admin', scopes: ['chat:use'] }, b.id);
    expect((await api('GET', '/users/me', { token: k.key })).body.id).toBe(b.id);
    const listed = await api('GET', `/users/${b.id}/api-keys`, { token: admin });
    expect(listed.body.items.map((x: { id: string }) => x.id)).toEqual([k.id]);
    expect((await api('GET', '/users/me/api-keys', { token: b.accessToken })).body.items[0].name).toBe('issued by admin');
    expect((await api('DELETE', `/users/${b.id}/api-keys/${k.id}`, { token: admin })).status).toBe(204);
    expectProblem(await api('GET', '/users/me', { token: k.key }), 401);
    expectProblem(await api('DELETE', `/users/${b.id}/api-keys/${randomUUID()}`, { token: admin }), 404);
  });

  it('pages keys with limit and nextCursor', async () => {
    const u = await registerUser('key-page');
    for (let i = 0; i < 3; i++) await newKey(u.accessToken, { name: `k${i}` });
    const first = await api('GET', '/users/me/api-keys?limit=2', { token: u.accessToken });
    expect(first.body.items).toHaveLength(2);
    const next = await api('GET', `/users/me/api-keys?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`, { token: u.accessToken });
    expect(next.body.nextCursor).toBeNull();
    const names = [...first.body.items, ...next.body.items].map((k: { name: string }) => k.name);
    expect(names).toEqual(['k2', 'k1', 'k0']);
  });

  it.each([
    ['an unknown scope', { name: 'x', scopes: ['root'] }, 'scopes'],
    ['scopes that are not an array', { name: 'x', scopes: 'self:manage' }, 'scopes'],
    ['a scope the role does not grant', { name: 'x', scopes: ['users:manage'] }, 'scopes'],
    ['a missing name', { scopes: ['*'] }, 'name'],
    ['a name of the wrong type', { name: 7 }, 'name'],
    ['expiresInDays and expiresAt together', { name: 'x', expiresInDays: 1, expiresAt: new Date(Date.now() + 86_400_000).toISOString() }, 'expiresAt'],
    ['an expiresAt in the past', { name: 'x', expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
    ['an expiresAt that is not a date', { name: 'x', expiresAt: 'tomorrow' }, 'expiresAt'],
    ['expiresInDays of 0', { name: 'x', expiresInDays: 0 }, 'expiresInDays'],
    ['expiresInDays as a string', { name: 'x', expiresInDays: '5' }, 'expiresInDays'],
    ['an unknown field', { name: 'x', admin: true }, 'admin'],
  ])('rejects %s with a 400 problem', async (_label, body, field) => {
    const u = await registerUser('key-bad');
    const problem = expectProblem(await api('POST', '/users/me/api-keys', { token: u.accessToken, body }), 400);
    expect(problem.errors?.map((e) => e.field)).toContain(field);
    expect((await api('GET', '/users/me/api-keys', { token: u.accessToken })).body.items).toEqual([]);
  });

  it('rejects malformed ids with a 400 problem', async () => {
    const u = await registerUser('key-bad-id');
    expectProblem(await api('GET', '/users/12345/api-keys', { token: u.accessToken }), 400);
    expectProblem(await api('DELETE', '/users/me/api-keys/12345', { token: u.accessToken }), 400);
  });
});
