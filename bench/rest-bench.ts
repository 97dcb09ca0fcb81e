/**
 * REST request-path benchmark — run on demand against a running stack (NOT a test):
 *
 *   eval "$(./dev env)" && npx tsx bench/rest-bench.ts [--seconds=10] [--c=32] [--rate=500] [--only=me,conversations,health,invalid]
 *
 * Per route, two phases against the stack's API: closed-loop load at concurrency `c` (requests/s,
 * p50/p99 latency, errors) and an open loop evenly paced at `rate` requests/s (p50/p99, and how far the
 * schedule fell behind: a queue that grows means the API cannot keep up). For each phase it also reads
 * the CPU time of the API processes (api.pid and its children, from $RUN_DIR) and prints CPU ms per
 * request, which stays comparable when the machine is shared. Routes: GET /users/me, GET
 * /conversations?limit=20 (after seeding 50 conversations), the unauthenticated health check, and an
 * authenticated request that fails validation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { argOf, num } from './bench-args';

const OPT = {
  seconds: num('seconds', 10),
  c: num('c', 32),
  rate: num('rate', 500),
  only: argOf('only', 'me,conversations,health,invalid').split(','),
};
const ORIGIN = `http://${process.env.API_HOST ?? '127.0.0.1'}:${process.env.API_PORT ?? '3000'}`;
const RUN_DIR = process.env.RUN_DIR ?? join(__dirname, '..', '.run');
const TICK_MS = 10;

function apiPids(): number[] {
  const root = Number(readFileSync(join(RUN_DIR, 'api.pid'), 'utf8').trim());
  const kids = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const s = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      kids.set(ppid, [...(kids.get(ppid) ?? []), Number(e)]);
    } catch {
      /* gone */
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(kids.get(out[i]) ?? []));
  return out;
}

function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* exited */
    }
  }
  return ticks * TICK_MS;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

interface Route {
  name: string;
  path: string;
  headers: Record<string, string>;
  method?: 'GET' | 'POST';
  body?: string;
  expect: number;
}

async function json(method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${ORIGIN}/api/v3${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

async function setup(): Promise<Route[]> {
  const email = `bench-rest-${Date.now().toString(36)}@example.test`;
  const password = 'correct horse battery';
  const reg = await json('POST', '/auth/register', { email, password, name: 'REST bench' });
  if (reg.status !== 202) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.body)}`);
  const session = await json('POST', '/auth/login', { email, password });
  if (session.status !== 200) throw new Error(`login: ${session.status} ${JSON.stringify(session.body)}`);
  const token = session.body.accessToken as string;
  for (let i = 0; i < 50; i++) {
    const r = await json('POST', '/conversations', { title: `bench conversation ${i}` }, token);
    if (r.status !== 201) throw new Error(`seed conversation: ${r.status} ${JSON.stringify(r.body)}`);
  }
  const auth = { authorization: `Bearer ${token}` };
  const all: Route[] = [
    { name: 'me', path: '/api/v3/users/me', headers: auth, expect: 200 },
    { name: 'conversations', path: '/api/v3/conversations?limit=20', headers: auth, expect: 200 },
    { name: 'health', path: '/api/v3/monitoring/health/live', headers: {}, expect: 200 },
    { name: 'invalid', path: '/api/v3/conversations?limit=abc', headers: auth, expect: 400 },
  ];
  return all.filter((r) => OPT.only.includes(r.name));
}

async function send(pool: Pool, route: Route): Promise<boolean> {
  const res = await pool.request({ method: route.method ?? 'GET', path: route.path, headers: route.headers, body: route.body });
  await res.body.dump();
  return res.statusCode === route.expect;
}

async function closedLoop(pool: Pool, route: Route) {
  const lat: number[] = [];
  let errors = 0;
  const pids = apiPids();
  const cpu0 = cpuMs(pids);
  const t0 = performance.now();
  const until = t0 + OPT.seconds * 1000;
  await Promise.all(
    Array.from({ length: OPT.c }, async () => {
      while (performance.now() < until) {
        const s = performance.now();
        const ok = await send(pool, route).catch(() => false);
        lat.push(performance.now() - s);
        if (!ok) errors++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  return { rps: lat.length / secs, p50: pct(lat, 50), p99: pct(lat, 99), errors, cpuPerReq: (cpuMs(pids) - cpu0) / lat.length };
}

async function paced(pool: Pool, route: Route) {
  const lat: number[] = [];
  let errors = 0;
  let maxLagMs = 0;
  const n = Math.round(OPT.rate * OPT.seconds);
  const interval = 1000 / OPT.rate;
  const t0 = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    maxLagMs = Math.max(maxLagMs, performance.now() - due);
    // Latency counts from when the request was due, so a queue behind the schedule shows.
    inflight.push(
      send(pool, route)
        .catch(() => false)
        .then((ok) => {
          lat.push(performance.now() - due);
          if (!ok) errors++;
        }),
    );
  }
  await Promise.all(inflight);
  return { p50: pct(lat, 50), p99: pct(lat, 99), errors, maxLagMs };
}

async function main() {
  const routes = await setup();
  const pool = new Pool(ORIGIN, { connections: Math.max(OPT.c, 64), pipelining: 1 });
  console.log(`REST bench against ${ORIGIN}: ${OPT.seconds} s a phase, c=${OPT.c}, paced ${OPT.rate}/s; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  for (const route of routes) {
    await closedLoop(pool, { ...route }).catch(() => undefined); // warm-up (JIT, pools)
    const c = await closedLoop(pool, route);
    const p = await paced(pool, route);
    console.log(
      `${route.name.padEnd(14)} c=${OPT.c}: ${c.rps.toFixed(0)} req/s, p50 ${c.p50.toFixed(1)} ms, p99 ${c.p99.toFixed(1)} ms, ${c.cpuPerReq.toFixed(2)} API CPU ms/req, ${c.errors} errors | paced ${OPT.rate}/s: p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms, ${p.errors} errors | load ${loadavg()[0].toFixed(1)}`,
    );
  }
  await pool.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
