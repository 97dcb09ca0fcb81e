import { randomUUID } from 'node:crypto';
import { api, expectProblem } from '../support/api-client';
import Redis from 'ioredis';
import { ipBucket } from '../../api/auth/login-rate-limiter';
import { freshIp, login, registerUser, uniqueEmail } from '../support/accounts';
import { waitForEmail } from '../support/mailbox';
import { stack } from '../support/stack';

async function redisDel(key: string) {
  const redis = new Redis(stack.redisUrl);
  try {
    await redis.del(key);
  } finally {
    redis.disconnect();
  }
}

const from = (ip: string) => ({ 'x-forwarded-for': ip });

describe('POST /auth/register', () => {
  it('creates the account and mails a verification token; the new user then logs in, unverified', async () => {
    const email = uniqueEmail('reg');
    const res = await api('POST', '/auth/register', { body: { email: email.toUpperCase(), password: 'correct horse battery', name: ' Reg ' } });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ message: expect.any(String) });
    expect((await waitForEmail(email)).subject).toBe('Verify your email address');
    const session = await login(email, 'correct horse battery', from(freshIp()));
    expect(session.status).toBe(200);
    const me = await api('GET', '/auth/session', { token: session.body.accessToken });
    expect(me.body).toMatchObject({ user: { email, name: 'Reg', role: 'member', emailVerified: false, mfaEnabled: false }, session: { method: 'password' } });
    expect(me.body.user).not.toHaveProperty('passwordHash');
  });

  it('answers a known email exactly as a new one (no enumeration), mails its owner and changes nothing', async () => {
    const user = await registerUser('dup');
    const fresh = await api('POST', '/auth/register', { body: { email: uniqueEmail('dup-new'), password: 'another password!', name: 'New' } });
    const known = await api('POST', '/auth/register', { body: { email: user.email.toUpperCase(), password: 'another password!', name: 'Dup' } });
    expect({ status: known.status, body: known.body }).toEqual({ status: fresh.status, body: fresh.body });
    expect((await waitForEmail(user.email, (m) => m.subject === 'Someone tried to register with your address')).text).toMatch(/already has one/);
    // The account and its password are as they were.
    expect((await login(user.email, user.password, from(freshIp()))).status).toBe(200);
    expectProblem(await login(user.email, 'another password!', from(freshIp())), 401);
  });

  it('refuses a blank or whitespace-only name', async () => {
    for (const name of ['', '   ', '\t\n']) {
      const res = await api('POST', '/auth/register', { body: { email: uniqueEmail('blank'), password: 'correct horse battery', name } });
      expect(expectProblem(res, 400).errors).toEqual([{ field: 'name', message: 'name must not be blank' }]);
    }
  });

  it('names each invalid field', async () => {
    const res = await api('POST', '/auth/register', { body: { email: 'not-an-email', password: 12345, name: ['x'] } });
    const problem = expectProblem(res, 400);
    expect(problem.errors!.map((e) => e.field).sort()).toEqual(expect.arrayContaining(['email', 'name', 'password']));
  });

  it('rejects a too short password and unknown fields', async () => {
    const short = await api('POST', '/auth/register', { body: { email: uniqueEmail(), password: 'short', name: 'S' } });
    expect(expectProblem(short, 400).errors).toEqual([expect.objectContaining({ field: 'password' })]);
    const extra = await api('POST', '/auth/register', { body: { email: uniqueEmail(), password: 'long enough pass', name: 'E', role: 'admin' } });
    expect(expectProblem(extra, 400).errors).toEqual([{ field: 'role', message: 'unknown field "role"' }]);
  });

  it('answers malformed JSON, a non-object body and a wrong media type with problems', async () => {
    expectProblem(await api('POST', '/auth/register', { rawBody: '{"email": "a@b.test",' }), 400);
    expectProblem(await api('POST', '/auth/register', { body: ['a', 'b'] }), 400);
    expectProblem(await api('POST', '/auth/register', { rawBody: 'email=a@b.test', headers: { 'content-type': 'application/xml' } }), 415);
  });

  it('refuses a body over BODY_LIMIT_BYTES (1 MiB) with 413', async () => {
    const body = JSON.stringify({ email: uniqueEmail(), password: 'correct horse battery', name: 'x'.repeat(1_100_000) });
    expectProblem(await api('POST', '/auth/register', { rawBody: body }), 413);
  });
});

describe('POST /auth/login', () => {
  it('returns a token pair for the right password and 401 for a wrong one', async () => {
    const user = await registerUser('login');
    const ip = freshIp();
    const ok = await login(user.email, user.password, from(ip));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String), tokenType: 'Bearer', expiresIn: expect.any(Number) });
    expect(expectProblem(await login(user.email, 'wrong password!!', from(ip)), 401).detail).toBe('Invalid email or password');
    // An unknown account gets the very same answer.
    expect(expectProblem(await login(uniqueEmail('ghost'), 'wrong password!!', from(ip)), 401).detail).toBe('Invalid email or password');
  });

  it('rejects invalid bodies with 400 problems', async () => {
    expectProblem(await api('POST', '/auth/login', { body: { email: 'x@y.test' }, headers: from(freshIp()) }), 400);
    expectProblem(await api('POST', '/auth/login', { body: { email: 5, password: 'x' }, headers: from(freshIp()) }), 400);
  });

  it('locks an account per source after LOGIN_RATE_LIMIT_PER_ACCOUNT (10) failures, with growing delays; the owner elsewhere still gets in and is mailed', async () => {
    const user = await registerUser('lock');
    const attacker = freshIp();
    for (let i = 0; i < 10; i++) expect((await login(user.email, `wrong password ${i}`, from(attacker))).status).toBe(401);
    // From the attacker's address: locked, even with the right password.
    const blocked = await login(user.email, user.password, from(attacker));
    expect(expectProblem(blocked, 429).detail).toMatch(/this account from this address/);
    const first = Number(blocked.headers.get('retry-after'));
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(60);
    // From anywhere else the owner logs in as usual.
    expect((await login(user.email, user.password, from(freshIp()))).status).toBe(200);
    expect((await waitForEmail(user.email, (m) => m.subject === 'Repeated failed logins to your account')).text).toContain(attacker.split('::')[0]);

    // The next lock of the same pair lasts longer: simulate the first one running out.
    await redisDel(`rl:login:account-source:${user.email}|${ipBucket(attacker)}`);
    for (let i = 0; i < 10; i++) expect((await login(user.email, `wrong again ${i}`, from(attacker))).status).toBe(401);
    const again = await login(user.email, user.password, from(attacker));
    expectProblem(again, 429);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(60);
  });

  it('limits attempts per client IP (LOGIN_RATE_LIMIT_PER_IP, 50 per window)', async () => {
    const ip = freshIp();
    const attempts = await Promise.all(Array.from({ length: 50 }, () => login(uniqueEmail('ipl'), 'whatever password', from(ip))));
    expect(attempts.every((r) => r.status === 401)).toBe(true);
    const blocked = await login(uniqueEmail('ipl'), 'whatever password', from(ip));
    expect(expectProblem(blocked, 429).detail).toMatch(/this address/);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another address is not affected.
    const user = await registerUser('ipl-ok');
    expect((await login(user.email, user.password, from(freshIp()))).status).toBe(200);
  });
});

describe('POST /auth/refresh', () => {
  it('rotates: the new pair works and the old refresh token is spent', async () => {
    const user = await registerUser('rot');
    const first = await api('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(user.refreshToken);
    expect((await api('GET', '/auth/session', { token: first.body.accessToken })).status).toBe(200);
    const second = await api('POST', '/auth/refresh', { body: { refreshToken: first.body.refreshToken } });
    expect(second.status).toBe(200);
  });

  it('revokes the whole family when a rotated token is presented again', async () => {
    const user = await registerUser('reuse');
    const rotated = await api('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(rotated.status).toBe(200);
    const replay = await api('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(expectProblem(replay, 401).detail).toMatch(/already used.*revoked/);
    // The newer refresh token and the session's access tokens stop working.
    expectProblem(await api('POST', '/auth/refresh', { body: { refreshToken: rotated.body.refreshToken } }), 401);
    expectProblem(await api('GET', '/auth/session', { token: rotated.body.accessToken }), 401);
    expectProblem(await api('GET', '/auth/session', { token: user.accessToken }), 401);
  });

  it('answers unknown tokens with 401 and bad bodies with 400', async () => {
    expectProblem(await api('POST', '/auth/refresh', { body: { refreshToken: randomUUID() } }), 401);
    expectProblem(await api('POST', '/auth/refresh', { body: {} }), 400);
    expectProblem(await api('POST', '/auth/refresh', { body: { refreshToken: 'x'.repeat(500) } }), 400);
  });
});

describe('POST /auth/logout', () => {
  it('ends the session at once: access and refresh tokens stop working', async () => {
    const user = await registerUser('logout');
    const other = await login(user.email, user.password, from(freshIp()));
    expect((await api('POST', '/auth/logout', { token: user.accessToken })).status).toBe(204);
    expectProblem(await api('GET', '/auth/session', { token: user.accessToken }), 401);
    expectProblem(await api('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } }), 401);
    // Only that session: the other login still works.
    expect((await api('GET', '/auth/session', { token: other.body.accessToken })).status).toBe(200);
  });

  it('needs credentials', async () => {
    expectProblem(await api('POST', '/auth/logout'), 401);
    expectProblem(await api('POST', '/auth/logout', { token: 'not-a-jwt' }), 401);
  });
});
