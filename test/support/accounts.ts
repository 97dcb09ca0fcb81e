import { randomUUID } from 'node:crypto';
import { api } from './api-client';
import { stack } from './stack';

export interface TestAccount {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

let seq = 0;
/** Unique per test run, so specs never collide on emails. */
export function uniqueEmail(tag = 'user'): string {
  return `${tag}-${Date.now().toString(36)}-${(seq++).toString(36)}-${randomUUID().slice(0, 6)}@example.test`;
}

/** Registers a fresh member through the public API. */
export async function registerUser(tag = 'user', password = 'correct horse battery'): Promise<TestAccount> {
  const email = uniqueEmail(tag);
  const res = await api('POST', '/auth/register', { body: { email, password, name: `Test ${tag}` } });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.user.id, email, password, accessToken: res.body.accessToken, refreshToken: res.body.refreshToken };
}

export async function login(email: string, password: string, headers?: Record<string, string>) {
  return api('POST', '/auth/login', { body: { email, password }, headers });
}

/** The stack's first admin (ADMIN_EMAIL / ADMIN_PASSWORD, set by `./dev test`). */
export async function loginAdmin(): Promise<string> {
  const res = await login(stack.adminEmail, stack.adminPassword, { 'x-forwarded-for': `10.255.${seq++ % 250}.1` });
  if (res.status !== 200) throw new Error(`admin login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken;
}
