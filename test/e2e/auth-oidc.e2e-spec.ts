import { randomUUID } from 'node:crypto';
import { api, ApiResponse, expectProblem } from '../support/api-client';
import { registerUser, uniqueEmail } from '../support/accounts';
import { tokenFrom, waitForEmail } from '../support/mailbox';
import { followRedirects, OidcStack, startOidcStack } from '../support/oidc-stack';

// A real OpenID Provider and an API process configured for it (see test/support/oidc-stack.ts).
const PROVIDER = 'e2e-idp';
let oidc: OidcStack;

beforeAll(async () => {
  oidc = await startOidcStack(PROVIDER);
}, 60_000);
afterAll(() => oidc?.stop());

async function call(method: string, path: string, token?: string): Promise<ApiResponse> {
  const res = await fetch(path.startsWith('http') ? path : `${oidc.apiUrl}${path}`, { method, redirect: 'manual', headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Browser flow: API → IdP (login, consent) → back to the API's callback, whose JSON is returned. */
async function signIn(account: { sub: string; email?: string; email_verified?: boolean; name?: string }): Promise<ApiResponse> {
  await oidc.nextLogin(account);
  const callback = await followRedirects(`${oidc.apiUrl}/auth/oauth/${PROVIDER}`, (u) => u.pathname.endsWith(`/auth/oauth/${PROVIDER}/callback`));
  expect(callback.searchParams.get('code')).toEqual(expect.any(String));
  return call('GET', callback.href);
}

describe('OAuth / OIDC', () => {
  it('lists the configured providers', async () => {
    const res = await call('GET', '/auth/oauth/providers');
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([{ name: PROVIDER, displayName: 'E2E IdP', authorizationPath: `/api/v3/auth/oauth/${PROVIDER}` }]);
    // The shared stack lists whatever it was started with, as a well-formed list.
    expect((await api('GET', '/auth/oauth/providers')).body.items).toEqual(expect.any(Array));
  });

  it('redirects to the authorization endpoint with PKCE S256, state and nonce', async () => {
    const res = await call('GET', `/auth/oauth/${PROVIDER}`);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin).toBe(oidc.issuer);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      client_id: 'gateway-e2e',
      response_type: 'code',
      code_challenge_method: 'S256',
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      state: expect.any(String),
      nonce: expect.any(String),
      scope: 'openid email profile',
      redirect_uri: `${oidc.apiUrl}/auth/oauth/${PROVIDER}/callback`,
    });
  });

  it('answers an unknown provider with 404', async () => {
    expectProblem(await call('GET', '/auth/oauth/nope'), 404);
    expectProblem(await call('GET', '/auth/oauth/nope/callback?state=x&code=y'), 404);
  });

  it('creates a user on first sign-in and finds it again by subject', async () => {
    const email = uniqueEmail('oidc-new');
    const sub = randomUUID();
    const first = await signIn({ sub, email, email_verified: true, name: 'Olga Idp' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String), tokenType: 'Bearer' });
    const me = await call('GET', '/auth/session', first.body.accessToken);
    expect(me.body).toMatchObject({ user: { email, name: 'Olga Idp', emailVerified: true }, session: { method: `oidc:${PROVIDER}` } });
    // The token works on the shared API too: same database, same signing key.
    expect((await api('GET', '/auth/session', { token: first.body.accessToken })).status).toBe(200);

    // The identity is keyed by subject, not email: a changed email still finds the same user.
    const again = await signIn({ sub, email: uniqueEmail('oidc-renamed'), email_verified: true });
    const me2 = await call('GET', '/auth/session', again.body.accessToken);
    expect(me2.body.user.id).toBe(me.body.user.id);
  });

  it('links to an existing account only when both sides verified the email', async () => {
    const local = await registerUser('oidc-link');
    // Local email not verified yet: no link (someone may have registered an address they do not own).
    const refused = await signIn({ sub: randomUUID(), email: local.email, email_verified: true });
    expect(expectProblem(refused, 409).detail).toMatch(/not verified/);

    const token = tokenFrom((await waitForEmail(local.email, (m) => m.subject === 'Verify your email address')).text);
    expect((await api('POST', '/auth/verify-email', { body: { token } })).status).toBe(204);

    // The provider does not vouch for the email: no link either.
    expectProblem(await signIn({ sub: randomUUID(), email: local.email, email_verified: false }), 409);

    const linked = await signIn({ sub: randomUUID(), email: local.email.toUpperCase(), email_verified: true });
    expect(linked.status).toBe(200);
    expect((await call('GET', '/auth/session', linked.body.accessToken)).body.user.id).toBe(local.id);
  });

  it('refuses an unknown, replayed or missing state, and provider errors', async () => {
    const email = uniqueEmail('oidc-replay');
    await oidc.nextLogin({ sub: randomUUID(), email, email_verified: true });
    const callback = await followRedirects(`${oidc.apiUrl}/auth/oauth/${PROVIDER}`, (u) => u.pathname.endsWith('/callback'));
    expect((await call('GET', callback.href)).status).toBe(200);
    // The same callback again: the state was spent.
    expect(expectProblem(await call('GET', callback.href), 400).detail).toMatch(/state/);

    expectProblem(await call('GET', `/auth/oauth/${PROVIDER}/callback?state=forged&code=abc`), 400);
    expectProblem(await call('GET', `/auth/oauth/${PROVIDER}/callback?code=abc`), 400);
    expectProblem(await call('GET', `/auth/oauth/${PROVIDER}/callback?state=x&code=y&surprise=1`), 400);

    // A real state with an error from the provider (the user said no).
    const start = new URL((await call('GET', `/auth/oauth/${PROVIDER}`)).headers.get('location')!);
    const state = start.searchParams.get('state')!;
    const denied = await call('GET', `/auth/oauth/${PROVIDER}/callback?state=${state}&error=access_denied&error_description=User+said+no`);
    expect(expectProblem(denied, 401).detail).toMatch(/User said no/);
  });

  it('refuses a forged code with a valid state', async () => {
    const start = new URL((await call('GET', `/auth/oauth/${PROVIDER}`)).headers.get('location')!);
    const state = start.searchParams.get('state')!;
    const res = await call('GET', `/auth/oauth/${PROVIDER}/callback?state=${state}&code=forged-code&iss=${encodeURIComponent(oidc.issuer)}`);
    expectProblem(res, 401);
  });
});
