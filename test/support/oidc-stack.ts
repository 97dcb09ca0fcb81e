import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * OIDC e2e without touching the shared stack's configuration: OIDC_PROVIDERS is read at boot, so
 * the spec starts a real OpenID Provider (oidc-idp.server.mjs) and a second API process from the
 * same dist/ that knows it, on free loopback ports, sharing the stack's Postgres, Redis and Temporal.
 */
export interface OidcStack {
  issuer: string;
  apiUrl: string;
  /** The account the next IdP login signs in as. */
  nextLogin(account: { sub: string; email?: string; email_verified?: boolean; name?: string }): Promise<void>;
  stop(): Promise<void>;
}

export const OIDC_CLIENT = { id: 'gateway-e2e', secret: 'gateway-e2e-client-secret-0123456789' };

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
    srv.on('error', fail);
  });
}

export async function startOidcStack(providerName: string): Promise<OidcStack> {
  const apiPort = await freePort();
  const apiOrigin = `http://127.0.0.1:${apiPort}`;
  const idp = spawn(process.execPath, [resolve(__dirname, 'oidc-idp.server.mjs')], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      OIDC_CLIENT_ID: OIDC_CLIENT.id,
      OIDC_CLIENT_SECRET: OIDC_CLIENT.secret,
      OIDC_REDIRECT_URI: `${apiOrigin}/api/v3/auth/oauth/${providerName}/callback`,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { port } = JSON.parse(await firstLine(idp)) as { port: number };
  const issuer = `http://127.0.0.1:${port}`;

  const providers = [{ name: providerName, displayName: 'E2E IdP', issuer, clientId: OIDC_CLIENT.id, clientSecret: OIDC_CLIENT.secret }];
  const api = spawn(process.execPath, [resolve(__dirname, '../../dist/api/main.js')], {
    env: {
      ...process.env,
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      PUBLIC_URL: apiOrigin,
      TRUST_PROXY: '127.0.0.1',
      OIDC_PROVIDERS: JSON.stringify(providers),
      LOG_LEVEL: 'warn',
      API_PROCESSES: '1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForHealth(`${apiOrigin}/api/v3/monitoring/health/live`, api);

  return {
    issuer,
    apiUrl: `${apiOrigin}/api/v3`,
    async nextLogin(account) {
      const res = await fetch(`${issuer}/__test/next-login`, { method: 'POST', body: JSON.stringify(account) });
      if (res.status !== 204) throw new Error(`IdP refused the next login: ${res.status}`);
    },
    async stop() {
      await Promise.all([stopChild(api), stopChild(idp)]);
    },
  };
}

/** A minimal browser: follows redirects from `url`, keeping cookies per host, until `until` matches. */
export async function followRedirects(url: string, until: (u: URL) => boolean, maxHops = 15): Promise<URL> {
  const jar = new Map<string, Map<string, string>>();
  let current = new URL(url);
  for (let hop = 0; hop < maxHops; hop++) {
    if (until(current)) return current;
    const cookies = jar.get(current.host) ?? new Map<string, string>();
    const res = await fetch(current, { redirect: 'manual', headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    jar.set(current.host, cookies);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) {
      throw new Error(`expected a redirect from ${current.href}, got ${res.status}: ${(await res.text()).slice(0, 500)}`);
    }
    current = new URL(location, current);
  }
  throw new Error(`more than ${maxHops} redirects from ${url}`);
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((ok, fail) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (line) => ok(line));
    child.once('exit', (code) => fail(new Error(`OIDC IdP exited with ${code} before listening`)));
  });
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the OIDC test API exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the OIDC test API did not answer ${url} within ${timeoutMs} ms`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      ok();
    });
    child.kill('SIGTERM');
  });
}
