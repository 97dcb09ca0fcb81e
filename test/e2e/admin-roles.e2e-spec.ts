import { loginAdmin, registerUser } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';
import { createRole, uniqueName } from '../support/admin-fixtures';
import { sql } from '../support/db';

describe('admin: roles as data and teams', () => {
  let admin: string;
  beforeAll(async () => {
    admin = await loginAdmin();
  });

  const roleByName = async (name: string) => {
    const res = await api('GET', '/admin/roles?limit=100', { token: admin });
    expect(res.status).toBe(200);
    return (res.body.items as { id: string; name: string; builtIn: boolean; permissions: string[] }[]).find((r) => r.name === name);
  };

  it('lists the seeded built-in roles with their effective permissions', async () => {
    const adminRole = await roleByName('admin');
    const member = await roleByName('member');
    const viewer = await roleByName('viewer');
    expect(adminRole).toMatchObject({ builtIn: true, permissions: expect.arrayContaining(['roles:manage', 'system:manage', 'chat:use']) });
    expect(member).toMatchObject({ builtIn: true, permissions: expect.arrayContaining(['chat:use', 'tools:run']) });
    expect(member!.permissions).not.toContain('roles:read');
    expect(viewer!.permissions).not.toContain('chat:use');
  });

  it('refuses unknown permissions and bad names with a 400 naming the field', async () => {
    const bad = expectProblem(await api('POST', '/admin/roles', { token: admin, body: { name: uniqueName('r'), permissions: ['chat:use', 'root:everything'] } }), 400);
    expect(bad.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'permissions' })]));
    const name = expectProblem(await api('POST', '/admin/roles', { token: admin, body: { name: 'Bad Name!', permissions: [] } }), 400);
    expect(name.errors?.[0].field).toBe('name');
    expectProblem(await api('GET', '/admin/roles/not-a-uuid', { token: admin }), 400);
    expectProblem(await api('GET', '/admin/roles/00000000-0000-4000-8000-000000000000', { token: admin }), 404);
  });

  it('protects built-ins: no rename, no delete, admin keeps every permission', async () => {
    const member = (await roleByName('member'))!;
    const adminRole = (await roleByName('admin'))!;
    expectProblem(await api('PATCH', `/admin/roles/${member.id}`, { token: admin, body: { name: 'members' } }), 409);
    expectProblem(await api('DELETE', `/admin/roles/${member.id}`, { token: admin }), 409);
    expectProblem(await api('PATCH', `/admin/roles/${adminRole.id}/permissions`, { token: admin, body: { permissions: [] } }), 409);
    // A description change is fine and keeps the built-in following the release defaults.
    const ok = await api('PATCH', `/admin/roles/${member.id}`, { token: admin, body: { description: 'Regular users' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ description: 'Regular users', customized: false });
  });

  it('applies a custom role at once, follows a permission change within a second, and refuses to delete it while assigned', async () => {
    const role = await createRole(admin, ['roles:read'], 'reader');
    expectProblem(await api('POST', '/admin/roles', { token: admin, body: { name: role.name, permissions: [] } }), 409);
    const user = await registerUser('custom-role');
    await sql('update users set role = ? where id = ?', [role.name, user.id]);
    await api('PATCH', `/admin/roles/${role.id}`, { token: admin, body: { description: 'refresh caches' } });

    expect((await api('GET', '/admin/roles', { token: user.accessToken })).status).toBe(200);
    expectProblem(await api('POST', '/admin/roles', { token: user.accessToken, body: { name: uniqueName('x'), permissions: [] } }), 403);
    // Not chat: the custom role grants only what it lists.
    expect((await api('GET', '/conversations', { token: user.accessToken })).status).toBe(403);

    const started = Date.now();
    expect((await api('PATCH', `/admin/roles/${role.id}/permissions`, { token: admin, body: { permissions: ['conversations:read'] } })).status).toBe(200);
    expectProblem(await api('GET', '/admin/roles', { token: user.accessToken }), 403);
    expect((await api('GET', '/conversations', { token: user.accessToken })).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);

    expectProblem(await api('DELETE', `/admin/roles/${role.id}`, { token: admin }), 409);
    // A rename carries its users along.
    const renamed = uniqueName('renamed');
    expect((await api('PATCH', `/admin/roles/${role.id}`, { token: admin, body: { name: renamed } })).body.name).toBe(renamed);
    expect((await sql<{ role: string }>('select role from users where id = ?', [user.id]))[0].role).toBe(renamed);
    await sql("update users set role = 'member' where id = ?", [user.id]);
    expect((await api('DELETE', `/admin/roles/${role.id}`, { token: admin })).status).toBe(204);
    expectProblem(await api('GET', `/admin/roles/${role.id}`, { token: admin }), 404);
  });

  it('gives team members the team role on top of their own, and takes it back on removal', async () => {
    const role = await createRole(admin, ['roles:read', 'teams:read'], 'team-role');
    expectProblem(await api('POST', '/admin/teams', { token: admin, body: { name: uniqueName('t'), role: 'no-such-role' } }), 400);
    const team = await api('POST', '/admin/teams', { token: admin, body: { name: uniqueName('team'), description: 'ops', role: role.name } });
    expect(team.status).toBe(201);
    expectProblem(await api('POST', '/admin/teams', { token: admin, body: { name: team.body.name } }), 409);

    const user = await registerUser('team-member');
    expectProblem(await api('GET', '/admin/roles', { token: user.accessToken }), 403);
    const added = await api('POST', `/admin/teams/${team.body.id}/members`, { token: admin, body: { userId: user.id, teamRole: 'lead' } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ userId: user.id, teamRole: 'lead' });
    expectProblem(await api('POST', `/admin/teams/${team.body.id}/members`, { token: admin, body: { userId: user.id } }), 409);
    expectProblem(await api('POST', `/admin/teams/${team.body.id}/members`, { token: admin, body: { userId: '00000000-0000-4000-8000-000000000000' } }), 404);

    // Own role (member) plus the team's: both chat and the governance read.
    expect((await api('GET', '/admin/roles', { token: user.accessToken })).status).toBe(200);
    expect((await api('GET', `/admin/teams/${team.body.id}`, { token: user.accessToken })).body).toMatchObject({ memberCount: 1, role: role.name });
    expectProblem(await api('POST', '/admin/teams', { token: user.accessToken, body: { name: uniqueName('t') } }), 403);
    const members = await api('GET', `/admin/teams/${team.body.id}/members`, { token: admin });
    expect(members.body.items).toEqual([expect.objectContaining({ userId: user.id, email: user.email })]);

    expectProblem(await api('DELETE', `/admin/roles/${role.id}`, { token: admin }), 409);
    expect((await api('DELETE', `/admin/teams/${team.body.id}/members/${user.id}`, { token: admin })).status).toBe(204);
    expectProblem(await api('GET', '/admin/roles', { token: user.accessToken }), 403);
    expectProblem(await api('DELETE', `/admin/teams/${team.body.id}/members/${user.id}`, { token: admin }), 404);

    expect((await api('DELETE', `/admin/teams/${team.body.id}`, { token: admin })).status).toBe(204);
    expect((await api('DELETE', `/admin/roles/${role.id}`, { token: admin })).status).toBe(204);
  });

  it('keeps members, viewers and anonymous callers out', async () => {
    const member = await registerUser('roles-member');
    expectProblem(await api('GET', '/admin/roles', { token: member.accessToken }), 403);
    expectProblem(await api('GET', '/admin/teams', { token: member.accessToken }), 403);
    expectProblem(await api('GET', '/admin/roles'), 401);
  });
});
