import { randomBytes, randomUUID } from 'node:crypto';
import { api, expectProblem } from '../support/api-client';
import { login, registerUser, uniqueEmail } from '../support/accounts';

/** A random client address (IPv6 ULA), so per-IP login limits never couple tests or runs. */
const freshIp = () => `fd00:${randomBytes(8).toString('hex').match(/.{4}/g)!.join(':')}::1`;
const from = (ip: string) => ({ 'x-forwarded-for': ip });

describe('POST /auth/register', () => {
  it('creates the account, logs it in and reports the email as unverified', async () => {
    const email = uniqueEmail('reg');
    const res = await api('POST', '/auth/register', { body: { email: email.toUpperCase(), password: 'correct horse battery', name: ' Reg ' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', user: { email, name: 'Reg', role: 'member', emailVerified: false, mfaEnabled: false } });
    expect(res.body.user).not.toHaveProperty('passwordHash');
    const me = await api('GET', '/auth/session', { token: res.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { id: res.body.user.id }, session: { method: 'password' } });
  });

  it('answers 409 for an email already taken, whatever its case', async () => {
    const user = await registerUser('dup');
    const res = await api('POST', '/auth/register', { body: { email: user.email.toUpperCase(), password: 'another password!', name: 'Dup' } });
    expect(expectProblem(res, 409).detail).toMatch(/already exists/);
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

  it('locks an account after LOGIN_RATE_LIMIT_PER_ACCOUNT (10) failures, from any address, even with the right password', async () => {
    const user = await registerUser('lock');
    for (let i = 0; i < 10; i++) expect((await login(user.email, `wrong password ${i}`, from(freshIp()))).status).toBe(401);
    const blocked = await login(user.email, user.password, from(freshIp()));
    expect(expectProblem(blocked, 429).detail).toMatch(/this account/);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
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
