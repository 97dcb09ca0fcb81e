import { randomBytes, randomUUID } from 'node:crypto';
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

/** A random client address (an IPv6 ULA /64 of its own), so per-address login limits never couple specs. */
export function freshIp(): string {
  return `fd00:${randomBytes(8).toString('hex').match(/.{4}/g)!.join(':')}::1`;
}

/** Registers a fresh member through the public API, then logs it in (register answers 202 and no session). */
export async function registerUser(tag = 'user', password = 'correct horse battery'): Promise<TestAccount> {
  const email = uniqueEmail(tag);
  const res = await api('POST', '/auth/register', { body: { email, password, name: `Test ${tag}` } });
  if (res.status !== 202) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  const session = await login(email, password, { 'x-forwarded-for': freshIp() });
  if (session.status !== 200) throw new Error(`login after register failed: ${session.status} ${JSON.stringify(session.body)}`);
  const me = await api('GET', '/users/me', { token: session.body.accessToken });
  return { id: me.body.id, email, password, accessToken: session.body.accessToken, refreshToken: session.body.refreshToken };
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
