import { createHash, randomBytes } from 'node:crypto';
import { knex } from '@mikro-orm/postgresql';
import { api, expectProblem } from '../support/api-client';
import { login, registerUser, uniqueEmail } from '../support/accounts';
import { emailsTo, tokenFrom, waitForEmail } from '../support/mailbox';
import { stack } from '../support/stack';

/** Time travel for one mailed token: its expiry is moved into the past, straight in Postgres. */
async function expireToken(token: string): Promise<void> {
  const db = knex({ client: 'pg', connection: stack.databaseUrl });
  try {
    const hash = createHash('sha256').update(token).digest('hex');
    const updated = await db('one_time_tokens').where({ token_hash: hash }).update({ expires_at: db.raw(`now() - interval '1 minute'`) });
    expect(updated).toBe(1);
  } finally {
    await db.destroy();
  }
}

const freshIp = () => `fd00:${randomBytes(8).toString('hex').match(/.{4}/g)!.join(':')}::1`;
const from = () => ({ 'x-forwarded-for': freshIp() });

describe('email verification', () => {
  it('verifies the email with the mailed token, once', async () => {
    const user = await registerUser('verify');
    const mail = await waitForEmail(user.email, (m) => m.subject === 'Verify your email address');
    const token = tokenFrom(mail.text);

    expect((await api('POST', '/auth/verify-email', { body: { token } })).status).toBe(204);
    const me = await api('GET', '/auth/session', { token: user.accessToken });
    expect(me.body.user.emailVerified).toBe(true);

    const again = await api('POST', '/auth/verify-email', { body: { token } });
    expect(expectProblem(again, 400).detail).toMatch(/already been used/);
  });

  it('rejects unknown tokens and bad bodies with 400 problems', async () => {
    expect(expectProblem(await api('POST', '/auth/verify-email', { body: { token: 'no-such-token' } }), 400).detail).toMatch(/not valid/);
    expectProblem(await api('POST', '/auth/verify-email', { body: {} }), 400);
    expectProblem(await api('POST', '/auth/verify-email', { body: { token: 42 } }), 400);
  });

  it('resends a new token on request; the earlier one stops working', async () => {
    const user = await registerUser('resend');
    const first = tokenFrom((await waitForEmail(user.email, (m) => m.subject === 'Verify your email address')).text);

    expect((await api('POST', '/auth/verify-email/resend', { token: user.accessToken })).status).toBe(204);
    const second = tokenFrom((await waitForEmail(user.email, (m) => tokenFrom(m.text) !== first)).text);
    expect(second).not.toBe(first);

    expect(expectProblem(await api('POST', '/auth/verify-email', { body: { token: first } }), 400).detail).toMatch(/already been used|newer/);
    expect((await api('POST', '/auth/verify-email', { body: { token: second } })).status).toBe(204);
    // Nothing left to verify.
    expectProblem(await api('POST', '/auth/verify-email/resend', { token: user.accessToken }), 409);
  });

  it('refuses an expired token with a detail saying so', async () => {
    const user = await registerUser('verify-late');
    const token = tokenFrom((await waitForEmail(user.email, (m) => m.subject === 'Verify your email address')).text);
    await expireToken(token);
    expect(expectProblem(await api('POST', '/auth/verify-email', { body: { token } }), 400).detail).toMatch(/has expired/);
    expect((await api('GET', '/auth/session', { token: user.accessToken })).body.user.emailVerified).toBe(false);
  });

  it('needs a login to resend', async () => {
    expectProblem(await api('POST', '/auth/verify-email/resend'), 401);
  });
});

describe('password reset', () => {
  it('resets the password with the mailed token, revoking every session', async () => {
    const user = await registerUser('reset');
    const otherSession = await login(user.email, user.password, from());
    expect(otherSession.status).toBe(200);

    const asked = await api('POST', '/auth/forgot-password', { body: { email: user.email.toUpperCase() } });
    expect(asked.status).toBe(202);
    const mail = await waitForEmail(user.email, (m) => m.subject === 'Reset your password');
    const token = tokenFrom(mail.text);

    const newPassword = 'a brand new passphrase';
    expect((await api('POST', '/auth/reset-password', { body: { token, password: newPassword } })).status).toBe(204);

    // Every session is gone: access tokens and refresh tokens alike.
    expectProblem(await api('GET', '/auth/session', { token: user.accessToken }), 401);
    expectProblem(await api('GET', '/auth/session', { token: otherSession.body.accessToken }), 401);
    expectProblem(await api('POST', '/auth/refresh', { body: { refreshToken: otherSession.body.refreshToken } }), 401);

    expectProblem(await login(user.email, user.password, from()), 401);
    expect((await login(user.email, newPassword, from())).status).toBe(200);

    const reused = await api('POST', '/auth/reset-password', { body: { token, password: 'yet another passphrase' } });
    expect(expectProblem(reused, 400).detail).toMatch(/password reset token has already been used/);
    expect((await login(user.email, newPassword, from())).status).toBe(200);
  });

  it('answers 202 for an unknown email and mails nobody', async () => {
    const ghost = uniqueEmail('ghost');
    const res = await api('POST', '/auth/forgot-password', { body: { email: ghost } });
    expect(res.status).toBe(202);
    const known = await registerUser('known');
    const res2 = await api('POST', '/auth/forgot-password', { body: { email: known.email } });
    // Same status, same body: nothing tells the two apart.
    expect({ status: res2.status, body: res2.body }).toEqual({ status: res.status, body: res.body });
    await waitForEmail(known.email, (m) => m.subject === 'Reset your password');
    expect(await emailsTo(ghost)).toEqual([]);
  });

  it('rejects weak passwords, unknown tokens and bad bodies with 400 problems', async () => {
    const user = await registerUser('weak');
    await api('POST', '/auth/forgot-password', { body: { email: user.email } });
    const token = tokenFrom((await waitForEmail(user.email, (m) => m.subject === 'Reset your password')).text);
    const weak = await api('POST', '/auth/reset-password', { body: { token, password: 'short' } });
    expect(expectProblem(weak, 400).errors).toEqual([expect.objectContaining({ field: 'password' })]);
    // A rejected body does not spend the token.
    expect((await api('POST', '/auth/reset-password', { body: { token, password: 'long enough passphrase' } })).status).toBe(204);

    expect(expectProblem(await api('POST', '/auth/reset-password', { body: { token: 'nope', password: 'long enough passphrase' } }), 400).detail).toMatch(/not valid/);
    expectProblem(await api('POST', '/auth/forgot-password', { body: { email: 'not an email' } }), 400);
    expectProblem(await api('POST', '/auth/forgot-password', { body: { email: uniqueEmail(), extra: 1 } }), 400);
  });

  it('refuses an expired reset token; the password stays', async () => {
    const user = await registerUser('reset-late');
    await api('POST', '/auth/forgot-password', { body: { email: user.email } });
    const token = tokenFrom((await waitForEmail(user.email, (m) => m.subject === 'Reset your password')).text);
    await expireToken(token);
    const late = await api('POST', '/auth/reset-password', { body: { token, password: 'too late passphrase' } });
    expect(expectProblem(late, 400).detail).toMatch(/password reset token has expired/);
    expect((await login(user.email, user.password, from())).status).toBe(200);
  });

  it('refuses a verification token as a reset token', async () => {
    const user = await registerUser('cross');
    const verifyToken = tokenFrom((await waitForEmail(user.email, (m) => m.subject === 'Verify your email address')).text);
    expectProblem(await api('POST', '/auth/reset-password', { body: { token: verifyToken, password: 'long enough passphrase' } }), 400);
  });
});
