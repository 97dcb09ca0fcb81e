import { randomUUID } from 'node:crypto';
import { api } from './api-client';
import { registerUser, TestAccount } from './accounts';

/** A role or team name unique to this run. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function createRole(admin: string, permissions: string[], prefix = 'custom'): Promise<{ id: string; name: string }> {
  const res = await api('POST', '/admin/roles', { token: admin, body: { name: uniqueName(prefix), description: 'test role', permissions } });
  if (res.status !== 201) throw new Error(`role create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A registered user moved to `role` through /admin/users/:id/role. */
export async function userWithRole(admin: string, role: string, tag = role): Promise<TestAccount> {
  const account = await registerUser(tag);
  if (role !== 'member') {
    const res = await api('PATCH', `/admin/users/${account.id}/role`, { token: admin, body: { role } });
    if (res.status !== 200) throw new Error(`role change failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return account;
}
