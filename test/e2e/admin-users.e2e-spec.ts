import { loginAdmin, registerUser, uniqueEmail } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';
import { createRole, uniqueName, userWithRole } from '../support/admin-fixtures';
import { sql } from '../support/db';

const csvPost = (token: string, body: string) => api('POST', '/admin/users/bulk-import', { token, rawBody: body, headers: { 'content-type': 'text/csv' } });

async function auditRows(action: string, resourceId: string) {
  for (let i = 0; i < 30; i++) {
    const rows = await sql<{ actor_user_id: string; context: Record<string, unknown> }>('select actor_user_id, context from audit_events where action = ? and resource_id = ?', [action, resourceId]);
    if (rows.length) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
  return [];
}

describe('admin: users', () => {
  let admin: string;
  let adminId: string;
  beforeAll(async () => {
    admin = await loginAdmin();
    adminId = (await api('GET', '/users/me', { token: admin })).body.id;
  });

  it('filters by role, status, team, text and creation range, with cursor pages', async () => {
    const role = await createRole(admin, ['chat:use'], 'filter');
    const tag = uniqueName('flt');
    const a = await registerUser(`${tag}-a`);
    const b = await registerUser(`${tag}-b`);
    const c = await registerUser(`${tag}-c`);
    expect((await api('PATCH', `/admin/users/${b.id}/role`, { token: admin, body: { role: role.name } })).body.role).toBe(role.name);
    const team = (await api('POST', '/admin/teams', { token: admin, body: { name: uniqueName('flt-team') } })).body;
    await api('POST', `/admin/teams/${team.id}/members`, { token: admin, body: { userId: c.id } });

    const byQ = await api('GET', `/admin/users?q=${tag}&limit=2`, { token: admin });
    expect(byQ.status).toBe(200);
    expect(byQ.body.items).toHaveLength(2);
    const next = await api('GET', `/admin/users?q=${tag}&limit=2&cursor=${byQ.body.nextCursor}`, { token: admin });
    expect([...byQ.body.items, ...next.body.items].map((u: { id: string }) => u.id)).toEqual([c.id, b.id, a.id]);
    expect(next.body.nextCursor).toBeNull();

    expect((await api('GET', `/admin/users?role=${role.name}`, { token: admin })).body.items.map((u: { id: string }) => u.id)).toEqual([b.id]);
    expect((await api('GET', `/admin/users?team=${team.id}`, { token: admin })).body.items.map((u: { id: string }) => u.id)).toEqual([c.id]);
    const createdAt = (await sql<{ created_at: Date }>('select created_at from users where id = ?', [b.id]))[0].created_at;
    const range = await api('GET', `/admin/users?q=${tag}&createdFrom=${createdAt.toISOString()}&createdTo=${new Date(createdAt.getTime() + 1).toISOString()}`, { token: admin });
    expect(range.body.items.map((u: { id: string }) => u.id)).toEqual([b.id]);

    expectProblem(await api('GET', '/admin/users?createdFrom=yesterday', { token: admin }), 400);
    expectProblem(await api('GET', '/admin/users?team=nope', { token: admin }), 400);
    expectProblem(await api('GET', '/admin/users?cursor=forged', { token: admin }), 400);
    expectProblem(await api('PATCH', `/admin/users/${a.id}/role`, { token: admin, body: { role: 'no-such-role' } }), 400);
  });

  it('suspends: sessions, access tokens and API keys stop at once; the keys stay revoked after activation', async () => {
    const user = await registerUser('suspend');
    const key = await api('POST', '/users/me/api-keys', { token: user.accessToken, body: { name: 'k' } });
    expect(key.status).toBe(201);
    expect((await api('GET', '/users/me', { token: key.body.key })).status).toBe(200);

    const suspended = await api('POST', `/admin/users/${user.id}/suspend`, { token: admin });
    expect(suspended.body).toMatchObject({ id: user.id, status: 'suspended' });
    expectProblem(await api('GET', '/users/me', { token: user.accessToken }), 401);
    expectProblem(await api('GET', '/users/me', { token: key.body.key }), 401);
    expectProblem(await api('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } }), 401);

    expect((await api('POST', `/admin/users/${user.id}/activate`, { token: admin })).body.status).toBe('active');
    // Suspension revoked the key: reactivation does not bring it back.
    expectProblem(await api('GET', '/users/me', { token: key.body.key }), 401);
    const [row] = await sql<{ revoked_at: Date | null }>('select revoked_at from api_keys where id = ?', [key.body.id]);
    expect(row.revoked_at).not.toBeNull();
    // The revoked session stays revoked.
    expectProblem(await api('GET', '/users/me', { token: user.accessToken }), 401);
    // The last-admin and self rules of api/users apply here too.
    expectProblem(await api('POST', `/admin/users/${adminId}/suspend`, { token: admin }), 409);
  });

  it('bulk-imports CSV row by row with a report of created, skipped and bad lines', async () => {
    const existing = await registerUser('import-existing');
    const fresh1 = uniqueEmail('import1');
    const fresh2 = uniqueEmail('import2');
    const csv = [
      'email,name,role',
      `${fresh1},Ada Lovelace,member`,
      `${existing.email},Already There,member`,
      'not-an-email,Bad Email,member',
      `${uniqueEmail('import3')},,viewer`,
      `${uniqueEmail('import4')},Wrong Role,overlord`,
      `"${fresh2}","Grace, Hopper",viewer`,
      `${fresh1},Duplicate In File,member`,
    ].join('\n');
    const res = await csvPost(admin, csv);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 2, skipped: 2 });
    expect(res.body.errors).toEqual([
      { line: 4, field: 'email', message: expect.stringContaining('not an email') },
      { line: 5, field: 'name', message: 'name is required' },
      { line: 6, field: 'role', message: 'no role named "overlord"' },
    ]);
    expect(res.body.skippedLines.map((s: { line: number }) => s.line)).toEqual([3, 8]);
    const rows = await sql<{ email: string; name: string; role: string }>('select email, name, role from users where email in (?, ?) order by email', [fresh1, fresh2]);
    expect(rows).toEqual(expect.arrayContaining([{ email: fresh1, name: 'Ada Lovelace', role: 'member' }, { email: fresh2, name: 'Grace, Hopper', role: 'viewer' }]));

    expectProblem(await csvPost(admin, 'mail,name\nx@example.com,X'), 400);
    expectProblem(await csvPost(admin, 'email,name\n"unterminated,X'), 400);
    expectProblem(await api('POST', '/admin/users/bulk-import', { token: admin, body: { email: 'x' } }), 400);
    const member = await registerUser('import-member');
    expectProblem(await csvPost(member.accessToken, 'email,name\nx@example.com,X'), 403);
  });

  describe('impersonation', () => {
    it('issues a 15-minute token acting as the user, marked on every response and audited', async () => {
      const user = await registerUser('imp-target');
      const res = await api('POST', `/admin/users/${user.id}/impersonate`, { token: admin });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ userId: user.id, impersonatedBy: adminId, expiresIn: 900, tokenType: 'Bearer' });
      const claims = JSON.parse(Buffer.from(res.body.accessToken.split('.')[1], 'base64url').toString());
      expect(claims.exp - claims.iat).toBe(900);
      expect(Math.abs(new Date(res.body.expiresAt).getTime() - Date.now() - 900_000)).toBeLessThan(5_000);

      const me = await api('GET', '/users/me', { token: res.body.accessToken });
      expect(me.body.id).toBe(user.id);
      expect(me.headers.get('x-impersonated-by')).toBe(adminId);
      // Errors are marked too, and administration is out of reach.
      const adminRoute = await api('GET', '/admin/users', { token: res.body.accessToken });
      expectProblem(adminRoute, 403);
      expect(adminRoute.headers.get('x-impersonated-by')).toBe(adminId);
      expect((await api('GET', '/users/me', { token: user.accessToken })).headers.get('x-impersonated-by')).toBeNull();

      const audit = await auditRows('user.impersonation_started', user.id);
      expect(audit).toEqual([expect.objectContaining({ actor_user_id: adminId, context: expect.objectContaining({ sessionId: res.body.sessionId }) })]);

      // Time-limited by its session too: once past expiry it is refused.
      await sql("update sessions set expires_at = now() - interval '1 second' where id = ?", [res.body.sessionId]);
      expectProblem(await api('GET', '/users/me', { token: res.body.accessToken }), 401);
    });

    it('refuses a user whose custom role grants administration', async () => {
      const role = await createRole(admin, ['users:read', 'chat:use'], 'imp-ro');
      const user = await userWithRole(admin, role.name, 'imp-custom');
      expect((await api('GET', '/admin/users', { token: user.accessToken })).status).toBe(200);
      // users:read counts as administration: such a user cannot be impersonated.
      expectProblem(await api('POST', `/admin/users/${user.id}/impersonate`, { token: admin }), 403);
    });

    it('refuses admins, unknown users and non-admin callers', async () => {
      expectProblem(await api('POST', `/admin/users/${adminId}/impersonate`, { token: admin }), 403);
      const other = await userWithRole(admin, 'admin', 'imp-admin');
      expectProblem(await api('POST', `/admin/users/${other.id}/impersonate`, { token: admin }), 403);
      expectProblem(await api('POST', '/admin/users/00000000-0000-4000-8000-000000000000/impersonate', { token: admin }), 404);
      const member = await registerUser('imp-member');
      const target = await registerUser('imp-target2');
      expectProblem(await api('POST', `/admin/users/${target.id}/impersonate`, { token: member.accessToken }), 403);
      // An impersonation token cannot start another impersonation.
      const imp = await api('POST', `/admin/users/${member.id}/impersonate`, { token: admin });
      expectProblem(await api('POST', `/admin/users/${target.id}/impersonate`, { token: imp.body.accessToken }), 403);
    });
  });
});
