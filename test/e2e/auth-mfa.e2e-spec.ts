import { randomBytes } from 'node:crypto';
import { knex } from '@mikro-orm/postgresql';
import { Secret, TOTP } from 'otpauth';
import { api, expectProblem } from '../support/api-client';
import { login, registerUser, TestAccount } from '../support/accounts';
import { stack } from '../support/stack';

async function storedMfa(userId: string): Promise<Record<string, unknown>> {
  const db = knex({ client: 'pg', connection: stack.databaseUrl });
  try {
    const user = await db('users').where({ id: userId }).first('mfa_secret_enc', 'mfa_pending_secret_enc');
    const codes: { code_hash: string }[] = await db('mfa_recovery_codes').where({ user_id: userId }).select('code_hash');
    return { ...user, codeHashes: codes.map((r) => r.code_hash) };
  } finally {
    await db.destroy();
  }
}

const freshIp = () => `fd00:${randomBytes(8).toString('hex').match(/.{4}/g)!.join(':')}::1`;
const from = () => ({ 'x-forwarded-for': freshIp() });

const totpOf = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
/** The code of the step `offset` steps from now (the server accepts ±1). */
const codeAt = (secret: string, offset = 0) => totpOf(secret).generate({ timestamp: Date.now() + offset * 30_000 });

async function enrol(user: TestAccount): Promise<{ secret: string; recoveryCodes: string[] }> {
  const enabled = await api('POST', '/auth/mfa/enable', { token: user.accessToken });
  expect(enabled.status).toBe(200);
  const { secret } = enabled.body;
  const verified = await api('POST', '/auth/mfa/verify', { token: user.accessToken, body: { code: codeAt(secret, -1) }, headers: from() });
  expect(verified.status).toBe(200);
  return { secret, recoveryCodes: verified.body.recoveryCodes };
}

async function mfaChallenge(user: TestAccount): Promise<string> {
  const res = await login(user.email, user.password, from());
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String) });
  return res.body.mfaToken;
}

describe('MFA (TOTP)', () => {
  it('enrols, then login needs a code; a code works once; a recovery code works once', async () => {
    const user = await registerUser('mfa');
    const enabled = await api('POST', '/auth/mfa/enable', { token: user.accessToken });
    expect(enabled.status).toBe(200);
    expect(enabled.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enabled.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\/Gateway:.+\?.*secret=/);
    const { secret } = enabled.body;

    // Pending until confirmed: login still goes straight through.
    expect((await login(user.email, user.password, from())).body.accessToken).toEqual(expect.any(String));

    expectProblem(await api('POST', '/auth/mfa/verify', { token: user.accessToken, body: { code: '000000' }, headers: from() }), 400);
    const confirmed = await api('POST', '/auth/mfa/verify', { token: user.accessToken, body: { code: codeAt(secret, -1) }, headers: from() });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.enabled).toBe(true);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    expect(new Set(confirmed.body.recoveryCodes).size).toBe(10);
    expect((await api('GET', '/auth/session', { token: user.accessToken })).body.user.mfaEnabled).toBe(true);

    // Login now stops at the second factor.
    const mfaToken = await mfaChallenge(user);
    expectProblem(await api('GET', '/auth/session', { token: mfaToken }), 401);

    const code = codeAt(secret);
    const done = await api('POST', '/auth/mfa/verify', { body: { mfaToken, code }, headers: from() });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String), tokenType: 'Bearer' });
    const session = await api('GET', '/auth/session', { token: done.body.accessToken });
    expect(session.body.session.method).toBe('mfa');

    // The same code again (a replay), even with a new challenge, is refused.
    const replay = await api('POST', '/auth/mfa/verify', { body: { mfaToken: await mfaChallenge(user), code }, headers: from() });
    expect(expectProblem(replay, 401).detail).toMatch(/invalid or was already used/);
    // An older step than the last accepted one is refused too.
    expectProblem(await api('POST', '/auth/mfa/verify', { body: { mfaToken, code: codeAt(secret, -1) }, headers: from() }), 401);

    // A recovery code opens one session, typed in any case, and only once.
    const recovery = confirmed.body.recoveryCodes[3] as string;
    const byRecovery = await api('POST', '/auth/mfa/verify', { body: { mfaToken, code: recovery.toUpperCase() }, headers: from() });
    expect(byRecovery.status).toBe(200);
    expect((await api('GET', '/auth/session', { token: byRecovery.body.accessToken })).status).toBe(200);
    expectProblem(await api('POST', '/auth/mfa/verify', { body: { mfaToken, code: recovery }, headers: from() }), 401);
  });

  it('stores the seed AES-GCM sealed and the recovery codes hashed', async () => {
    const user = await registerUser('mfa-rest');
    const { secret, recoveryCodes } = await enrol(user);
    const stored = await storedMfa(user.id);
    expect(stored.mfa_secret_enc).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(String(stored.mfa_secret_enc)).not.toContain(secret);
    expect(stored.mfa_pending_secret_enc).toBeNull();
    expect(stored.codeHashes).toHaveLength(10);
    for (const code of recoveryCodes) expect(stored.codeHashes).not.toContain(code);
  });

  it('refuses a second enrolment while MFA is on, and verify without pending enrolment', async () => {
    const user = await registerUser('mfa-twice');
    expectProblem(await api('POST', '/auth/mfa/verify', { token: user.accessToken, body: { code: '123456' }, headers: from() }), 409);
    await enrol(user);
    expectProblem(await api('POST', '/auth/mfa/enable', { token: user.accessToken }), 409);
  });

  it('counts wrong codes against a limit: 429 after 10 failures, even with the right code', async () => {
    const user = await registerUser('mfa-limit');
    const { secret } = await enrol(user);
    const mfaToken = await mfaChallenge(user);
    for (let i = 0; i < 10; i++) {
      expectProblem(await api('POST', '/auth/mfa/verify', { body: { mfaToken, code: 'wrong-code' + i }, headers: from() }), 401);
    }
    // A correct password does not reset the second-factor count.
    await mfaChallenge(user);
    const blocked = await api('POST', '/auth/mfa/verify', { body: { mfaToken, code: codeAt(secret) }, headers: from() });
    expectProblem(blocked, 429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('rejects forged or missing challenges and malformed bodies', async () => {
    expectProblem(await api('POST', '/auth/mfa/verify', { body: { mfaToken: 'forged.jwt.token', code: '123456' } }), 401);
    // An access token is not an MFA challenge.
    const user = await registerUser('mfa-forged');
    expectProblem(await api('POST', '/auth/mfa/verify', { body: { mfaToken: user.accessToken, code: '123456' } }), 401);
    // Neither challenge nor login.
    expectProblem(await api('POST', '/auth/mfa/verify', { body: { code: '123456' } }), 401);
    expectProblem(await api('POST', '/auth/mfa/verify', { body: { code: 123456 } }), 400);
    expectProblem(await api('POST', '/auth/mfa/verify', { body: { code: '1'.repeat(100) } }), 400);
    expectProblem(await api('POST', '/auth/mfa/enable'), 401);
  });

  it('disables MFA with the password and a code; login is single-step again', async () => {
    const user = await registerUser('mfa-off');
    const { secret } = await enrol(user);
    expectProblem(await api('POST', '/auth/mfa/disable', { token: user.accessToken, body: { password: 'wrong password!', code: codeAt(secret) }, headers: from() }), 403);
    expectProblem(await api('POST', '/auth/mfa/disable', { token: user.accessToken, body: { password: user.password }, headers: from() }), 400);
    expect((await api('POST', '/auth/mfa/disable', { token: user.accessToken, body: { password: user.password, code: codeAt(secret) }, headers: from() })).status).toBe(204);
    const res = await login(user.email, user.password, from());
    expect(res.body.accessToken).toEqual(expect.any(String));
    expectProblem(await api('POST', '/auth/mfa/disable', { token: user.accessToken, body: { password: user.password, code: '123456' }, headers: from() }), 409);
  });
});
