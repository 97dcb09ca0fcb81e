import { randomUUID } from 'node:crypto';
import { loginAdmin } from '../support/accounts';
import { api } from '../support/api-client';
import { createRole, userWithRole } from '../support/admin-fixtures';

type Who = 'admin' | 'member' | 'viewer' | 'custom';

/** The custom role reads everything administrative and changes nothing. */
const CUSTOM = ['users:read', 'roles:read', 'teams:read', 'policies:read', 'system:read'];

// [route, method, path, body, permission needed]. Bodies are invalid or ids unknown, so an allowed call
// answers 2xx/400/404 and changes nothing; a refused one answers 403 before validation.
const rand = randomUUID();
const ROUTES: [string, string, string, unknown, string][] = [
  ['list roles', 'GET', '/admin/roles', undefined, 'roles:read'],
  ['create role', 'POST', '/admin/roles', {}, 'roles:manage'],
  ['get role', 'GET', `/admin/roles/${rand}`, undefined, 'roles:read'],
  ['patch role', 'PATCH', `/admin/roles/${rand}`, {}, 'roles:manage'],
  ['role permissions', 'PATCH', `/admin/roles/${rand}/permissions`, {}, 'roles:manage'],
  ['delete role', 'DELETE', `/admin/roles/${rand}`, undefined, 'roles:manage'],
  ['list teams', 'GET', '/admin/teams', undefined, 'teams:read'],
  ['create team', 'POST', '/admin/teams', {}, 'teams:manage'],
  ['get team', 'GET', `/admin/teams/${rand}`, undefined, 'teams:read'],
  ['patch team', 'PATCH', `/admin/teams/${rand}`, { name: '' }, 'teams:manage'],
  ['delete team', 'DELETE', `/admin/teams/${rand}`, undefined, 'teams:manage'],
  ['team members', 'GET', `/admin/teams/${rand}/members`, undefined, 'teams:read'],
  ['add member', 'POST', `/admin/teams/${rand}/members`, {}, 'teams:manage'],
  ['remove member', 'DELETE', `/admin/teams/${rand}/members/${rand}`, undefined, 'teams:manage'],
  ['list users', 'GET', '/admin/users', undefined, 'users:read'],
  ['change role', 'PATCH', `/admin/users/${rand}/role`, {}, 'users:manage'],
  ['suspend', 'POST', `/admin/users/${rand}/suspend`, undefined, 'users:manage'],
  ['activate', 'POST', `/admin/users/${rand}/activate`, undefined, 'users:manage'],
  ['bulk import', 'POST', '/admin/users/bulk-import', { not: 'csv' }, 'users:manage'],
  ['impersonate', 'POST', `/admin/users/${rand}/impersonate`, undefined, 'users:manage'],
  ['list policies', 'GET', '/admin/policies', undefined, 'policies:read'],
  ['create policy', 'POST', '/admin/policies', {}, 'policies:manage'],
  ['get policy', 'GET', `/admin/policies/${rand}`, undefined, 'policies:read'],
  ['patch policy', 'PATCH', `/admin/policies/${rand}`, {}, 'policies:manage'],
  ['delete policy', 'DELETE', `/admin/policies/${rand}`, undefined, 'policies:manage'],
  ['simulate', 'POST', '/admin/policies/simulate', {}, 'policies:read'],
  ['health', 'GET', '/admin/system/health', undefined, 'system:read'],
  ['metrics', 'GET', '/admin/system/metrics', undefined, 'system:read'],
  ['config', 'GET', '/admin/system/config', undefined, 'system:read'],
  ['patch config', 'PATCH', '/admin/system/config', { logLevel: 'loud' }, 'system:manage'],
  ['maintenance', 'POST', '/admin/system/maintenance', {}, 'system:manage'],
  ['cache clear', 'POST', '/admin/system/cache/clear', undefined, 'system:manage'],
];

const GRANTS: Record<Exclude<Who, 'admin'>, string[]> = { member: [], viewer: [], custom: CUSTOM };
const allowed = (who: Who, permission: string) => who === 'admin' || GRANTS[who].includes(permission);

describe('admin: permission matrix', () => {
  const tokens = {} as Record<Who, string>;
  beforeAll(async () => {
    tokens.admin = await loginAdmin();
    const role = await createRole(tokens.admin, CUSTOM, 'helpdesk');
    const [member, viewer, custom] = await Promise.all([
      userWithRole(tokens.admin, 'member', 'matrix-member'),
      userWithRole(tokens.admin, 'viewer', 'matrix-viewer'),
      userWithRole(tokens.admin, role.name, 'matrix-custom'),
    ]);
    Object.assign(tokens, { member: member.accessToken, viewer: viewer.accessToken, custom: custom.accessToken });
  });

  const cases = ROUTES.flatMap(([name, method, path, body, permission]) =>
    (['admin', 'member', 'viewer', 'custom'] as Who[]).map((who) => [who, name, method, path, body, permission, allowed(who, permission)] as const),
  );

  it.each(cases)('%s → %s (%s %s)', async (who, _name, method, path, body, _permission, allow) => {
    const res = await api(method, path, { token: tokens[who], body });
    if (allow) {
      expect([200, 201, 204, 400, 404]).toContain(res.status);
    } else {
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(JSON.stringify(res.body)).not.toMatch(/"items"|"environment"|"components"/);
    }
  });

  it('answers 401 to every admin route without credentials', async () => {
    for (const [, method, path, body] of ROUTES) expect((await api(method, path, { body })).status).toBe(401);
  });
});
