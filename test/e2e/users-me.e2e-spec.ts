import { login, loginAdmin, registerUser, TestAccount, uniqueEmail } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';

let ipSeq = 0;
const freshIp = () => `10.${(process.pid % 200) + 20}.${(ipSeq++ % 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;
const loginFrom = (u: { email: string }, password: string) => login(u.email, password, { 'x-forwarded-for': freshIp() });

async function secondSession(u: TestAccount): Promise<string> {
  const res = await loginFrom(u, u.password);
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken;
}

describe('users: /users/me', () => {
  it('GET returns the caller, with a token or an API key, and 401 without', async () => {
    const u = await registerUser('me');
    const me = await api('GET', '/users/me', { token: u.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      id: u.id,
      email: u.email,
      name: 'Test me',
      role: 'member',
      status: 'active',
      emailVerified: false,
      mfaEnabled: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const key = await api('POST', '/users/me/api-keys', { token: u.accessToken, body: { name: 'k', scopes: ['chat:use'] } });
    expect((await api('GET', '/users/me', { token: key.body.key })).body.id).toBe(u.id);
    expectProblem(await api('GET', '/users/me'), 401);
  });

  describe('PATCH', () => {
    it('renames the caller', async () => {
      const u = await registerUser('me-rename');
      const res = await api('PATCH', '/users/me', { token: u.accessToken, body: { name: '  Ada Lovelace  ' } });
      expect(res.status).toBe(200);
      expect(res.body.name).toBe('Ada Lovelace');
      expect((await api('GET', '/users/me', { token: u.accessToken })).body.name).toBe('Ada Lovelace');
    });

    it('changes the password with the current one and ends the other sessions only', async () => {
      const u = await registerUser('me-password');
      const other = await secondSession(u);
      const newPassword = 'a brand new passphrase';
      const res = await api('PATCH', '/users/me', { token: u.accessToken, body: { currentPassword: u.password, newPassword } });
      expect(res.status).toBe(200);

      expect((await api('GET', '/users/me', { token: u.accessToken })).status).toBe(200);
      expectProblem(await api('GET', '/users/me', { token: other }), 401);
      expectProblem(await loginFrom(u, u.password), 401);
      expect((await loginFrom(u, newPassword)).status).toBe(200);
      const sessions = await api('GET', '/users/me/sessions', { token: u.accessToken });
      expect(sessions.body.items.map((s: { current: boolean }) => s.current).sort()).toEqual([false, true]);
    });

    it('answers 403 for a wrong current password and changes nothing', async () => {
      const u = await registerUser('me-wrong');
      const other = await secondSession(u);
      const res = await api('PATCH', '/users/me', { token: u.accessToken, body: { currentPassword: 'not the password', newPassword: 'another long passphrase' } });
      expectProblem(res, 403);
      expect((await api('GET', '/users/me', { token: other })).status).toBe(200);
      expect((await loginFrom(u, u.password)).status).toBe(200);
    });

    it.each([
      ['newPassword without currentPassword', { newPassword: 'another long passphrase' }, 'currentPassword'],
      ['currentPassword without newPassword', { currentPassword: 'correct horse battery' }, 'newPassword'],
      ['a too short newPassword', { currentPassword: 'correct horse battery', newPassword: 'short' }, 'newPassword'],
      ['a name of the wrong type', { name: ['x'] }, 'name'],
      ['an empty name', { name: '' }, 'name'],
      ['an unknown field', { role: 'admin' }, 'role'],
    ])('rejects %s with a 400 problem', async (_label, body, field) => {
      const u = await registerUser('me-bad');
      const problem = expectProblem(await api('PATCH', '/users/me', { token: u.accessToken, body }), 400);
      expect(problem.errors?.map((e) => e.field)).toContain(field);
      expect((await api('GET', '/users/me', { token: u.accessToken })).body.role).toBe('member');
    });

    it('needs self:manage: a key scoped to chat cannot change the account', async () => {
      const u = await registerUser('me-scope');
      const key = await api('POST', '/users/me/api-keys', { token: u.accessToken, body: { name: 'k', scopes: ['chat:use'] } });
      expectProblem(await api('PATCH', '/users/me', { token: key.body.key, body: { name: 'Hijacked' } }), 403);
      expectProblem(await api('DELETE', '/users/me', { token: key.body.key, body: { password: u.password } }), 403);
      expect((await api('GET', '/users/me', { token: u.accessToken })).body.status).toBe('active');
    });
  });

  describe('DELETE', () => {
    it('needs the password (403 when wrong, 400 when missing)', async () => {
      const u = await registerUser('me-del-wrong');
      expectProblem(await api('DELETE', '/users/me', { token: u.accessToken, body: { password: 'wrong password!' } }), 403);
      expectProblem(await api('DELETE', '/users/me', { token: u.accessToken, body: {} }), 400);
      expectProblem(await api('DELETE', '/users/me', { token: u.accessToken, body: { password: 123 } }), 400);
      expect((await api('GET', '/users/me', { token: u.accessToken })).body.status).toBe('active');
    });

    it('soft-deletes the caller: every session and key ends, and the email can register again', async () => {
      const u = await registerUser('me-del');
      const other = await secondSession(u);
      const key = await api('POST', '/users/me/api-keys', { token: u.accessToken, body: { name: 'k' } });
      expect(key.status).toBe(201);

      expect((await api('DELETE', '/users/me', { token: u.accessToken, body: { password: u.password } })).status).toBe(204);
      for (const token of [u.accessToken, other, key.body.key]) expectProblem(await api('GET', '/users/me', { token }), 401);
      expectProblem(await api('POST', '/auth/refresh', { body: { refreshToken: u.refreshToken } }), 401);
      expectProblem(await loginFrom(u, u.password), 401);

      const admin = await loginAdmin();
      const row = await api('GET', `/users/${u.id}`, { token: admin });
      expect(row.body).toMatchObject({ status: 'deleted', email: `deleted-${u.id}@deleted.invalid`, name: 'Deleted user', emailVerified: false });
      const sessions = await api('GET', `/users/${u.id}/sessions?includeRevoked=true`, { token: admin });
      expect(sessions.body.items).toHaveLength(2);
      expect(sessions.body.items.every((s: { revokedAt: string | null }) => s.revokedAt)).toBe(true);

      const again = await api('POST', '/auth/register', { body: { email: u.email, password: 'a fresh start 123', name: 'Again' } });
      expect(again.status).toBe(202);
      const back = await login(u.email, 'a fresh start 123', { 'x-forwarded-for': freshIp() });
      expect((await api('GET', '/users/me', { token: back.body.accessToken })).body.id).not.toBe(u.id);
    });

    it('an admin may delete their own account while another active admin remains', async () => {
      const admin = await loginAdmin();
      const email = uniqueEmail('admin-leaves');
      const created = await api('POST', '/users', { token: admin, body: { email, name: 'Leaving admin', role: 'admin', password: 'correct horse battery' } });
      expect(created.status).toBe(201);
      const token = (await loginFrom({ email }, 'correct horse battery')).body.accessToken;
      expect((await api('DELETE', '/users/me', { token, body: { password: 'correct horse battery' } })).status).toBe(204);
      expect((await api('GET', `/users/${created.body.id}`, { token: admin })).body.status).toBe('deleted');
    });
  });
});
