import { randomUUID } from 'node:crypto';
import { login, loginAdmin, registerUser, uniqueEmail } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';
import { tokenFrom, waitForEmail } from '../support/mailbox';

const PASSWORD = 'correct horse battery';
let ipSeq = 0;
const freshIp = () => `10.${(process.pid % 200) + 20}.${(ipSeq++ % 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;

async function loginAs(email: string, password = PASSWORD): Promise<string> {
  const res = await login(email, password, { 'x-forwarded-for': freshIp() });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken;
}

async function createUser(admin: string, role: string, extra: Record<string, unknown> = { password: PASSWORD }, name = `Test ${role}`) {
  const email = uniqueEmail(role);
  const res = await api('POST', '/users', { token: admin, body: { email, name, role, ...extra } });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; email: string; role: string; status: string; name: string };
}

describe('users: administration', () => {
  let admin: string;
  let adminId: string;
  beforeAll(async () => {
    admin = await loginAdmin();
    adminId = (await api('GET', '/users/me', { token: admin })).body.id;
  });

  describe('role matrix on admin routes', () => {
    let member: string;
    let viewer: string;
    let target: string;
    beforeAll(async () => {
      member = (await registerUser('matrix-member')).accessToken;
      const v = await registerUser('matrix-viewer');
      expect((await api('PATCH', `/users/${v.id}`, { token: admin, body: { role: 'viewer' } })).status).toBe(200);
      viewer = v.accessToken;
      target = (await registerUser('matrix-target')).id;
    });

    // Every row has all its cells: jest passes `done` to a callback with more parameters than cells.
    const routes: [string, string, (id: string) => string, unknown][] = [
      ['GET /users', 'GET', () => '/users', undefined],
      ['POST /users', 'POST', () => '/users', { email: 'never-created@example.test', name: 'x', role: 'member', password: PASSWORD }],
      ['GET /users/:id', 'GET', (id) => `/users/${id}`, undefined],
      ['PATCH /users/:id', 'PATCH', (id) => `/users/${id}`, { name: 'Renamed by matrix' }],
      ['DELETE /users/:id', 'DELETE', (id) => `/users/${id}`, undefined],
    ];

    it.each(routes)('%s: member and viewer 403, no or bad token 401', async (_label, method, path, body) => {
      for (const token of [member, viewer]) {
        expectProblem(await api(method, path(target), { token, body }), 403);
      }
      expectProblem(await api(method, path(target), { body }), 401);
      expectProblem(await api(method, path(target), { token: 'not-a-token', body }), 401);
    });

    it('admin is allowed on every admin route', async () => {
      expect((await api('GET', '/users', { token: admin })).status).toBe(200);
      expect((await api('GET', `/users/${target}`, { token: admin })).body.id).toBe(target);
      expect((await api('PATCH', `/users/${target}`, { token: admin, body: { name: 'Renamed' } })).body.name).toBe('Renamed');
      const created = await createUser(admin, 'member');
      expect((await api('DELETE', `/users/${created.id}`, { token: admin })).status).toBe(204);
      // The matrix above changed nothing.
      expect((await api('GET', `/users/${target}`, { token: admin })).body.status).toBe('active');
    });
  });

  describe('POST /users', () => {
    it('creates a user with a password who can log in at once', async () => {
      const u = await createUser(admin, 'viewer');
      expect(u).toMatchObject({ role: 'viewer', status: 'active', emailVerified: false, mfaEnabled: false });
      expect(u).not.toHaveProperty('passwordHash');
      const token = await loginAs(u.email);
      const me = await api('GET', '/users/me', { token });
      expect(me.body).toMatchObject({ id: u.id, role: 'viewer' });
    });

    it('without a password mails a set-password token and the user cannot log in yet', async () => {
      const u = await createUser(admin, 'member', {});
      const mail = await waitForEmail(u.email, (m) => m.subject === 'Set your password');
      expect(tokenFrom(mail.text)).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expectProblem(await login(u.email, PASSWORD, { 'x-forwarded-for': freshIp() }), 401);
    });

    it('normalises the email and answers 409 for an address in use', async () => {
      const email = uniqueEmail('dup');
      const first = await api('POST', '/users', { token: admin, body: { email: `  ${email.toUpperCase()} `, name: 'A', role: 'member', password: PASSWORD } });
      expect(first.status).toBe(201);
      expect(first.body.email).toBe(email);
      expectProblem(await api('POST', '/users', { token: admin, body: { email, name: 'B', role: 'member' } }), 409);
    });

    it.each([
      ['unknown role', { role: 'superuser' }, 'role'],
      ['bad email', { email: 'not-an-email' }, 'email'],
      ['short password', { password: 'short' }, 'password'],
      ['name of the wrong type', { name: 42 }, 'name'],
      ['unknown field', { isAdmin: true }, 'isAdmin'],
    ])('rejects %s with a 400 problem', async (_label, patch, field) => {
      const body = { email: uniqueEmail('bad'), name: 'Bad', role: 'member', password: PASSWORD, ...patch };
      const problem = expectProblem(await api('POST', '/users', { token: admin, body }), 400);
      expect(problem.errors?.map((e) => e.field)).toContain(field);
    });

    it('rejects malformed JSON and a missing body with 400', async () => {
      expectProblem(await api('POST', '/users', { token: admin, rawBody: '{"email":' }), 400);
      expectProblem(await api('POST', '/users', { token: admin }), 400);
    });
  });

  describe('GET /users', () => {
    const tag = `pg${randomUUID().slice(0, 8)}`;
    const created: { id: string; role: string }[] = [];
    beforeAll(async () => {
      for (const role of ['member', 'viewer', 'member', 'viewer', 'member']) {
        created.push(await createUser(admin, role, { password: PASSWORD }, `Pager ${tag} ${role}`));
      }
    });

    it('pages with limit and nextCursor, newest first, without gaps or repeats', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const qs: string = `q=${tag.toUpperCase()}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await api('GET', `/users?${qs}`, { token: admin });
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((u: { id: string }) => u.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual(created.map((u) => u.id).reverse());
    });

    it('filters by role, status and a case-insensitive q over email and name', async () => {
      const viewers = await api('GET', `/users?q=${tag}&role=viewer`, { token: admin });
      expect(viewers.body.items.map((u: { id: string }) => u.id).sort()).toEqual(created.filter((u) => u.role === 'viewer').map((u) => u.id).sort());

      const suspended = created[0].id;
      expect((await api('PATCH', `/users/${suspended}`, { token: admin, body: { status: 'suspended' } })).status).toBe(200);
      const onlySuspended = await api('GET', `/users?q=${tag}&status=suspended`, { token: admin });
      expect(onlySuspended.body.items.map((u: { id: string }) => u.id)).toEqual([suspended]);

      const byEmail = await api('GET', `/users?q=${encodeURIComponent((await api('GET', `/users/${created[1].id}`, { token: admin })).body.email.toUpperCase())}`, { token: admin });
      expect(byEmail.body.items.map((u: { id: string }) => u.id)).toEqual([created[1].id]);
    });

    it('treats % and _ in q literally', async () => {
      const res = await api('GET', `/users?q=${encodeURIComponent(`${tag}%`)}`, { token: admin });
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([]);
      const underscore = await api('GET', `/users?q=${encodeURIComponent('_')}&limit=100`, { token: admin });
      expect(underscore.body.items.every((u: { email: string; name: string }) => `${u.email}${u.name}`.includes('_'))).toBe(true);
    });

    it.each([
      ['limit above 100', 'limit=101'],
      ['limit 0', 'limit=0'],
      ['limit not a number', 'limit=abc'],
      ['unknown role', 'role=root'],
      ['unknown status', 'status=gone'],
      ['garbage cursor', 'cursor=%%%not-a-cursor'],
      ['unknown query field', 'sort=email'],
    ])('rejects %s with a 400 problem', async (_label, qs) => {
      expectProblem(await api('GET', `/users?${qs}`, { token: admin }), 400);
    });

    it('accepts limit 100', async () => {
      const res = await api('GET', '/users?limit=100', { token: admin });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(100);
    });
  });

  describe('GET/PATCH/DELETE /users/:id', () => {
    it('answers 400 for a malformed id and 404 for an unknown one', async () => {
      for (const method of ['GET', 'PATCH', 'DELETE']) {
        const bad = expectProblem(await api(method, '/users/not-a-uuid', { token: admin, body: method === 'PATCH' ? { name: 'x' } : undefined }), 400);
        expect(bad.errors?.[0].field).toBe('id');
        expectProblem(await api(method, `/users/${randomUUID()}`, { token: admin, body: method === 'PATCH' ? { name: 'x' } : undefined }), 404);
      }
    });

    it('updates name, role and emailVerified', async () => {
      const u = await createUser(admin, 'member');
      const res = await api('PATCH', `/users/${u.id}`, { token: admin, body: { name: 'New Name', role: 'viewer', emailVerified: true } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: u.id, name: 'New Name', role: 'viewer', emailVerified: true });
      const back = await api('PATCH', `/users/${u.id}`, { token: admin, body: { emailVerified: false } });
      expect(back.body.emailVerified).toBe(false);
    });

    it.each([
      ['status deleted', { status: 'deleted' }],
      ['unknown role', { role: 'owner' }],
      ['emailVerified as a string', { emailVerified: 'yes' }],
      ['empty name', { name: '   ' }],
      ['unknown field', { email: 'x@example.test' }],
    ])('rejects %s with a 400 problem', async (_label, body) => {
      const u = await createUser(admin, 'member');
      expectProblem(await api('PATCH', `/users/${u.id}`, { token: admin, body }), 400);
    });

    it('a role change applies to the live token at once', async () => {
      const u = await registerUser('promote');
      expectProblem(await api('GET', '/users', { token: u.accessToken }), 403);
      expect((await api('PATCH', `/users/${u.id}`, { token: admin, body: { role: 'admin' } })).status).toBe(200);
      expect((await api('GET', '/users', { token: u.accessToken })).status).toBe(200);
      expect((await api('PATCH', `/users/${u.id}`, { token: admin, body: { role: 'member' } })).status).toBe(200);
      expectProblem(await api('GET', '/users', { token: u.accessToken }), 403);
    });

    it('an admin cannot demote, suspend or delete themselves (409)', async () => {
      const second = await createUser(admin, 'admin');
      const token = await loginAs(second.email);
      for (const body of [{ role: 'member' }, { status: 'suspended' }]) {
        expectProblem(await api('PATCH', `/users/${second.id}`, { token, body }), 409);
      }
      expectProblem(await api('DELETE', `/users/${second.id}`, { token }), 409);
      // Harmless self-edits are fine, and nothing changed.
      const renamed = await api('PATCH', `/users/${second.id}`, { token, body: { name: 'Still admin', role: 'admin', status: 'active' } });
      expect(renamed.body).toMatchObject({ name: 'Still admin', role: 'admin', status: 'active' });
      // Another admin may demote them.
      expect((await api('PATCH', `/users/${second.id}`, { token: admin, body: { role: 'member' } })).body.role).toBe('member');
      expect(adminId).not.toBe(second.id);
    });
  });

  describe('suspension', () => {
    it("cuts off the user's token and revokes their API keys at once, blocks login with 403, and reactivation restores login only", async () => {
      const u = await registerUser('suspend');
      const key = await api('POST', '/users/me/api-keys', { token: u.accessToken, body: { name: 'ci' } });
      expect(key.status).toBe(201);
      expect((await api('GET', '/users/me', { token: key.body.key })).status).toBe(200);

      const res = await api('PATCH', `/users/${u.id}`, { token: admin, body: { status: 'suspended' } });
      expect(res.body.status).toBe('suspended');
      expectProblem(await api('GET', '/users/me', { token: u.accessToken }), 401);
      expectProblem(await api('GET', '/users/me', { token: key.body.key }), 401);
      expectProblem(await api('POST', '/auth/refresh', { body: { refreshToken: u.refreshToken } }), 401);
      expectProblem(await login(u.email, u.password, { 'x-forwarded-for': freshIp() }), 403);
      const live = await api('GET', `/users/${u.id}/sessions`, { token: admin });
      expect(live.body.items).toEqual([]);

      expect((await api('PATCH', `/users/${u.id}`, { token: admin, body: { status: 'active' } })).body.status).toBe('active');
      const token = await loginAs(u.email, u.password);
      expect((await api('GET', '/users/me', { token })).body.status).toBe('active');
      // The old session stays ended, and so do the keys: suspension revoked them.
      expectProblem(await api('GET', '/users/me', { token: u.accessToken }), 401);
      expectProblem(await api('GET', '/users/me', { token: key.body.key }), 401);
      const keys = await api('GET', `/users/${u.id}/api-keys`, { token: admin });
      expect(keys.body.items.find((k: { id: string }) => k.id === key.body.id).revokedAt).not.toBeNull();
    });
  });

  describe('deletion', () => {
    it('soft-deletes: tokens and keys stop working, identity is scrubbed, the email can register again', async () => {
      const u = await registerUser('delete');
      const key = await api('POST', '/users/me/api-keys', { token: u.accessToken, body: { name: 'ci' } });
      expect(key.status).toBe(201);

      expect((await api('DELETE', `/users/${u.id}`, { token: admin })).status).toBe(204);
      expectProblem(await api('GET', '/users/me', { token: u.accessToken }), 401);
      expectProblem(await api('GET', '/users/me', { token: key.body.key }), 401);
      expectProblem(await login(u.email, u.password, { 'x-forwarded-for': freshIp() }), 401);

      const gone = await api('GET', `/users/${u.id}`, { token: admin });
      expect(gone.body).toMatchObject({ status: 'deleted', name: 'Deleted user', email: `deleted-${u.id}@deleted.invalid` });
      const keys = await api('GET', `/users/${u.id}/api-keys`, { token: admin });
      expect(keys.body.items[0].revokedAt).not.toBeNull();
      const listed = await api('GET', `/users?q=${u.id}`, { token: admin });
      expect(listed.body.items).toEqual([]);
      const deletedListed = await api('GET', `/users?q=${u.id}&status=deleted`, { token: admin });
      expect(deletedListed.body.items.map((x: { id: string }) => x.id)).toEqual([u.id]);

      const again = await api('POST', '/auth/register', { body: { email: u.email, password: u.password, name: 'Back again' } });
      expect(again.status).toBe(202);
      const back = await login(u.email, u.password, { 'x-forwarded-for': freshIp() });
      expect((await api('GET', '/users/me', { token: back.body.accessToken })).body.id).not.toBe(u.id);

      // Deleting twice is a no-op; a deleted user cannot be edited.
      expect((await api('DELETE', `/users/${u.id}`, { token: admin })).status).toBe(204);
      expectProblem(await api('PATCH', `/users/${u.id}`, { token: admin, body: { status: 'active' } }), 409);
    });
  });
});
