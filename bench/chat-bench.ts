/**
 * Chat gateway benchmark — run on demand against a running local stack (NOT a test).
 *
 *   source <your stack env>   # or: eval "$(./dev env)"; plus STUB_LLM_PORT / OPENAI_COMPATIBLE_BASE_URL
 *   npm run bench:chat -- [--only=ttft,gap,tps,sse,ws] [--sse-conns=10000] [...]
 *
 * The API's OpenAI-compatible provider must point at http://127.0.0.1:$STUB_LLM_PORT/v1: this script
 * starts the wire-format stub (test/support/stub-llm-server.ts) on that port itself and measures, in one
 * run, against that same stub:
 *   (a) time to first token: POST /chat/stream → first `token` event, vs POST /chat/completions on the
 *       stub → first content chunk; p50/p99 at concurrency 1 and 32; added = gateway − direct;
 *   (b) inter-token gap: model slow-<ms> (fixed delay before each of 40 words), gap − delay through the
 *       gateway and direct;
 *   (c) turns/s: short echo turns at concurrency 32 and 64 for a bounded duration;
 *   (d) API RSS per idle SSE connection (follow-streams of one running but silent turn, resumed after its
 *       `turn` event, so nothing comes: truly idle, only the 15 s keepalive comment), and per idle
 *       authenticated WS connection on /api/v3/chat/ws ("WS: not available" when the API lacks it).
 * Load goes to 127.0.0.1 only; every loop is bounded in count and time. The load generator uses one
 * undici keep-alive Agent per concurrency slot. Idle SSE connections are raw sockets (one request each,
 * no client-side parser) so 10,000 of them stay cheap in this process.
 *
 * File descriptors: `ulimit -n` is per process. Each idle connection costs one fd here and one in the
 * API process. This script raises its own soft limit to the hard limit (prlimit on its own pid) when
 * it is short; the API inherits the limit of the shell that ran `./dev up` (check
 * /proc/<api pid>/limits). The number of connections is capped to what both limits allow, and the
 * report says so.
 */
import { ChildProcess, execFileSync, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { connect, Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { WebSocket } from 'ws';
import { stubModel } from '../test/support/stub-llm';
import { argOf, num } from './bench-args';

// ------------------------------------------------------------------------------------------ options


const OPT = {
  only: new Set(argOf('only', 'ttft,gap,tps,sse,ws').split(',').map((s) => s.trim())),
  warmup: num('warmup', 30),
  ttftTurnsC1: num('ttft-turns-c1', 200),
  ttftTurnsC32: num('ttft-turns-c32', 640),
  /** Turns continuing one conversation (its history grows by two messages a turn), at concurrency 1. */
  ttftFollowups: num('ttft-followups', 100),
  gapDelayMs: num('gap-delay-ms', 5),
  gapTurnsC1: num('gap-turns-c1', 40),
  gapTurnsC32: num('gap-turns-c32', 128),
  tpsSeconds: num('tps-seconds', 20),
  tpsConcurrency: argOf('tps-concurrency', '32,64').split(',').map(Number),
  sseConns: num('sse-conns', 10_000),
  wsConns: num('ws-conns', 10_000),
  openParallel: num('open-parallel', 64),
  /** Hard cap on any one phase, whatever its count says. */
  phaseSeconds: num('phase-seconds', 180),
  /** Idle phases: how long to keep watching RSS after the 5 s reading, for the settled figure. */
  settleSeconds: num('settle-seconds', 30),
  turnTimeoutMs: num('turn-timeout-ms', 30_000),
};

const API_HOST = process.env.API_HOST ?? '127.0.0.1';
const API_PORT = Number(process.env.API_PORT ?? 3000);
const API = `http://${API_HOST}:${API_PORT}/api/v3`;
const STUB_PORT = Number(process.env.STUB_LLM_PORT ?? 4460);
const STUB = `http://127.0.0.1:${STUB_PORT}/v1`;
const RUN_DIR = process.env.RUN_DIR ?? join(process.cwd(), '.run');
const MAX_SLOTS = Math.max(64, ...OPT.tpsConcurrency);

if (!/^(127\.0\.0\.1|localhost|::1)$/.test(API_HOST)) throw new Error(`refusing to load a non-local API (${API_HOST})`);

// ------------------------------------------------------------------------------------------ stats

function quantile(values: number[], q: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
const p50 = (v: number[]) => quantile(v, 0.5);
const p99 = (v: number[]) => quantile(v, 0.99);
const f = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

// ------------------------------------------------------------------------------------------ auth

const session = { accessToken: '', refreshToken: '', at: 0 };

async function json(method: string, url: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  const res = await request(url, {
    method: method as 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
}

/** Registers a bench user, then logs in through the API like a client would. */
async function login(): Promise<void> {
  const email = `bench-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}@bench.test`;
  const password = `bench-${randomUUID()}`;
  const reg = await json('POST', `${API}/auth/register`, { email, password, name: 'Chat bench' });
  if (reg.status !== 202) throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
  const res = await json('POST', `${API}/auth/login`, { email, password });
  if (res.status !== 200 || !res.body?.accessToken) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  Object.assign(session, { accessToken: res.body.accessToken, refreshToken: res.body.refreshToken, at: Date.now() });
}

/** Access tokens live 15 min by default: rotate between phases when older than 5 min. */
async function freshToken(): Promise<string> {
  if (Date.now() - session.at > 5 * 60_000) {
    const res = await json('POST', `${API}/auth/refresh`, { refreshToken: session.refreshToken });
    if (res.status !== 200) throw new Error(`refresh failed: ${res.status} ${JSON.stringify(res.body)}`);
    Object.assign(session, { accessToken: res.body.accessToken, refreshToken: res.body.refreshToken, at: Date.now() });
  }
  return session.accessToken;
}

// ------------------------------------------------------------------------------------------ one turn

interface TurnSample {
  conversationId?: string;
  ok: boolean;
  error?: string;
  /** ms from sending the request to the first token (gateway: `token` event; direct: non-empty delta). */
  ttft: number;
  /** Arrival time (performance.now()) of each token. */
  tokenAt: number[];
  total: number;
  turnId?: string;
  lastId?: string;
  /** Gateway only: ms from sending the request to the `turn` event (the API has stored and started the turn). */
  turnEvent?: number;
  /**
   * Gateway only, wall clock (Date.now(), the same clock as Redis stream ids on this machine):
   * request sent, `turn` entry written (its stream id), first `token` entry written, first token received.
   */
  wall?: { sent: number; turnXadd?: number; tokenXadd?: number; tokenRecv?: number };
}

interface SseBlock {
  id?: string;
  event: string;
  data: string;
}

/** Incremental SSE parser (id/event/data fields, blank-line separated, comments skipped). */
class SseParser {
  private buffer = '';
  push(text: string): SseBlock[] {
    this.buffer += text;
    const out: SseBlock[] = [];
    let sep: number;
    while ((sep = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, sep);
      this.buffer = this.buffer.slice(sep + 2);
      const ev: SseBlock = { event: 'message', data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (!line || line.startsWith(':')) continue;
        const i = line.indexOf(':');
        const field = i < 0 ? line : line.slice(0, i);
        const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'id') ev.id = value;
        else if (field === 'event') ev.event = value;
        else if (field === 'data') data.push(value);
      }
      if (!data.length) continue;
      ev.data = data.join('\n');
      out.push(ev);
    }
    return out;
  }
}

function failed(error: string, t0: number): TurnSample {
  return { ok: false, error, ttft: NaN, tokenAt: [], total: performance.now() - t0 };
}

/** POST /chat/stream through the gateway; reads until `done` (or a terminal error). */
async function gatewayTurn(agent: Agent, model: string, message: string, conversationId?: string): Promise<TurnSample> {
  const token = session.accessToken;
  const wall: NonNullable<TurnSample['wall']> = { sent: Date.now() };
  const t0 = performance.now();
  try {
    const res = await request(`${API}/chat/stream`, {
      dispatcher: agent,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ message, model: stubModel(model), ...(conversationId ? { conversationId } : {}) }),
      headersTimeout: OPT.turnTimeoutMs,
      bodyTimeout: OPT.turnTimeoutMs,
    });
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      return failed(`HTTP ${res.statusCode} ${text.slice(0, 200)}`, t0);
    }
    const parser = new SseParser();
    const sample: TurnSample = { ok: false, ttft: NaN, tokenAt: [], total: NaN, wall };
    res.body.setEncoding('utf8');
    for await (const chunk of res.body as AsyncIterable<string>) {
      const now = performance.now();
      for (const ev of parser.push(chunk)) {
        sample.lastId = ev.id ?? sample.lastId;
        if (ev.event === 'token') {
          if (!sample.tokenAt.length) {
            sample.ttft = now - t0;
            wall.tokenRecv = Date.now();
            wall.tokenXadd = Number(ev.id?.split('-')[0]);
          }
          sample.tokenAt.push(now);
        } else if (ev.event === 'reset') {
          sample.tokenAt = [];
          sample.ttft = NaN;
          sample.error = 'reset (retry/fallback) seen';
        } else if (ev.event === 'turn') {
          sample.turnId = (JSON.parse(ev.data) as { turnId: string }).turnId;
          sample.conversationId = (JSON.parse(ev.data) as { conversationId: string }).conversationId;
          sample.turnEvent = now - t0;
          wall.turnXadd = Number(ev.id?.split('-')[0]);
        } else if (ev.event === 'done') {
          sample.ok = !Number.isNaN(sample.ttft);
          if (!sample.ok) sample.error = 'done without tokens';
        } else if (ev.event === 'error' || ev.event === 'cancelled') {
          sample.error = `${ev.event}: ${ev.data.slice(0, 200)}`;
        }
      }
    }
    sample.total = performance.now() - t0;
    if (!sample.ok && !sample.error) sample.error = 'stream ended without done';
    return sample;
  } catch (err) {
    return failed((err as Error).message, t0);
  }
}

/** POST /chat/completions on the stub directly (the same wire format the gateway's provider reads). */
async function directTurn(agent: Agent, model: string, message: string): Promise<TurnSample> {
  const t0 = performance.now();
  try {
    const res = await request(`${STUB}/chat/completions`, {
      dispatcher: agent,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: message }] }),
      headersTimeout: OPT.turnTimeoutMs,
      bodyTimeout: OPT.turnTimeoutMs,
    });
    if (res.statusCode !== 200) return failed(`HTTP ${res.statusCode} ${(await res.body.text()).slice(0, 200)}`, t0);
    const parser = new SseParser();
    const sample: TurnSample = { ok: false, ttft: NaN, tokenAt: [], total: NaN };
    res.body.setEncoding('utf8');
    for await (const chunk of res.body as AsyncIterable<string>) {
      const now = performance.now();
      for (const ev of parser.push(chunk)) {
        if (ev.data === '[DONE]') {
          sample.ok = sample.tokenAt.length > 0;
          continue;
        }
        const content = (JSON.parse(ev.data) as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content;
        if (!content) continue;
        if (!sample.tokenAt.length) sample.ttft = now - t0;
        sample.tokenAt.push(now);
      }
    }
    sample.total = performance.now() - t0;
    if (!sample.ok) sample.error = 'stream ended without [DONE]';
    return sample;
  } catch (err) {
    return failed((err as Error).message, t0);
  }
}

// ------------------------------------------------------------------------------------------ load runner

const agents: Agent[] = Array.from(
  { length: MAX_SLOTS },
  () => new Agent({ connections: 1, pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 120_000 }),
);

/**
 * Runs `concurrency` slots, each with its own keep-alive agent, each doing turns one after the other
 * until `count` turns were started in all, or `seconds` passed (and never past OPT.phaseSeconds).
 */
async function runSlots(
  concurrency: number,
  limit: { count?: number; seconds?: number },
  turn: (agent: Agent) => Promise<TurnSample>,
): Promise<{ samples: TurnSample[]; elapsed: number }> {
  const samples: TurnSample[] = [];
  const seconds = Math.min(limit.seconds ?? OPT.phaseSeconds, OPT.phaseSeconds);
  const deadline = performance.now() + seconds * 1000;
  let left = limit.count ?? Number.MAX_SAFE_INTEGER;
  const t0 = performance.now();
  await Promise.all(
    agents.slice(0, concurrency).map(async (agent) => {
      while (left > 0 && performance.now() < deadline) {
        left--;
        samples.push(await turn(agent));
      }
    }),
  );
  return { samples, elapsed: (performance.now() - t0) / 1000 };
}

function errorsOf(samples: TurnSample[]): { count: number; first?: string } {
  const bad = samples.filter((s) => !s.ok);
  return { count: bad.length, first: bad[0]?.error };
}

/** Gaps between consecutive tokens of each turn (the first token is TTFT, not a gap). */
function gapsOf(samples: TurnSample[], delayMs: number): number[] {
  const out: number[] = [];
  for (const s of samples) {
    if (!s.ok) continue;
    for (let i = 1; i < s.tokenAt.length; i++) out.push(s.tokenAt[i] - s.tokenAt[i - 1] - delayMs);
  }
  return out;
}

/** Where in a turn the slowest 1% of gaps fall (token index buckets): tells start-of-turn work from steady noise. */
function tailPlaces(samples: TurnSample[], delayMs: number): string {
  const all: [number, number][] = [];
  for (const s of samples) {
    if (!s.ok) continue;
    for (let i = 1; i < s.tokenAt.length; i++) all.push([s.tokenAt[i] - s.tokenAt[i - 1] - delayMs, i]);
  }
  const tail = all.sort((a, b) => b[0] - a[0]).slice(0, Math.max(1, Math.ceil(all.length / 100)));
  const buckets = { 'tokens 1-3': 0, 'tokens 4-20': 0, 'tokens 21+': 0 };
  for (const [, i] of tail) buckets[i <= 3 ? 'tokens 1-3' : i <= 20 ? 'tokens 4-20' : 'tokens 21+']++;
  return Object.entries(buckets).map(([k, v]) => `${k}: ${v}`).join(', ');
}

// ------------------------------------------------------------------------------------------ results

interface Row {
  metric: string;
  gateway?: number;
  direct?: number;
  added?: number;
  target?: string;
  pass?: boolean;
  note?: string;
}
const rows: Row[] = [];
const notes: string[] = [];

function log(msg: string) {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

// ------------------------------------------------------------------------------------------ (a) TTFT

async function benchTtft() {
  log(`warm-up: ${OPT.warmup} echo turns through the gateway and direct`);
  await runSlots(4, { count: OPT.warmup }, (a) => gatewayTurn(a, 'echo', 'warm up the gateway'));
  await runSlots(4, { count: OPT.warmup }, (a) => directTurn(a, 'echo', 'warm up the gateway'));

  for (const [c, count] of [
    [1, OPT.ttftTurnsC1],
    [32, OPT.ttftTurnsC32],
  ] as const) {
    await freshToken();
    const direct = await runSlots(c, { count }, (a) => directTurn(a, 'echo', 'time to first token please'));
    const gateway = await runSlots(c, { count }, (a) => gatewayTurn(a, 'echo', 'time to first token please'));
    const d = direct.samples.filter((s) => s.ok).map((s) => s.ttft);
    const g = gateway.samples.filter((s) => s.ok).map((s) => s.ttft);
    const ge = errorsOf(gateway.samples);
    const de = errorsOf(direct.samples);
    log(
      `TTFT c=${c}: gateway p50 ${f(p50(g))} p99 ${f(p99(g))} ms (n=${g.length}, errors ${ge.count}${ge.first ? `: ${ge.first}` : ''}); ` +
        `direct p50 ${f(p50(d))} p99 ${f(p99(d))} ms (n=${d.length}, errors ${de.count}); ` +
        `gateway full turn p50 ${f(p50(gateway.samples.filter((s) => s.ok).map((s) => s.total)))} ms`,
    );
    // Where gateway TTFT goes: request → `turn` event (auth, rows stored, first XADD, workflow start),
    // then `turn` event → first token (Temporal dispatch, workflow task, activity, provider, relay).
    const okG = gateway.samples.filter((s) => s.ok && s.turnEvent !== undefined);
    const apiPart = okG.map((s) => s.turnEvent!);
    const wfPart = okG.map((s) => s.ttft - s.turnEvent!);
    log(
      `TTFT c=${c} split: request→turn event p50 ${f(p50(apiPart))} p99 ${f(p99(apiPart))} ms; ` +
        `turn event→first token p50 ${f(p50(wfPart))} p99 ${f(p99(wfPart))} ms`,
    );
    // The same, by stream-id timestamps (ms): what happens before the API writes `turn`, between that
    // and the worker writing the first token (workflow start + Temporal + activity + provider), and
    // from that write to the client (relay + SSE).
    const walls = okG.map((s) => s.wall!).filter((w) => w.turnXadd && w.tokenXadd && w.tokenRecv);
    const part = (fn: (w: NonNullable<TurnSample['wall']>) => number) => {
      const v = walls.map(fn);
      return `p50 ${f(p50(v), 0)} p99 ${f(p99(v), 0)}`;
    };
    log(
      // A first step streamed by the API names its token ids after the turn event's (same ms), so the
      // token's id says nothing about when it was appended: only the turn event's id is a time here.
      `TTFT c=${c} by stream ids (ms, 1 ms resolution): request→turn XADD ${part((w) => w.turnXadd! - w.sent)}; ` +
        `turn XADD→first token at the client ${part((w) => w.tokenRecv! - w.turnXadd!)}`,
    );
    const target50 = c === 1 ? '≤ 15' : undefined;
    const target99 = c === 1 ? '≤ 40' : undefined;
    rows.push({ metric: `TTFT c=${c} p50 (ms)`, gateway: p50(g), direct: p50(d), added: p50(g) - p50(d), target: target50, pass: target50 ? p50(g) - p50(d) <= 15 : undefined });
    rows.push({ metric: `TTFT c=${c} p99 (ms)`, gateway: p99(g), direct: p99(d), added: p99(g) - p99(d), target: target99, pass: target99 ? p99(g) - p99(d) <= 40 : undefined });
    if (ge.count || de.count) notes.push(`TTFT c=${c}: ${ge.count} gateway / ${de.count} direct errors (${ge.first ?? de.first})`);
  }
}

// ------------------------------------------------------------------------------------------ (b) inter-token gap

/** TTFT of turns that continue a conversation: the history is read before the provider is called. */
async function benchTtftFollowups() {
  if (!OPT.ttftFollowups) return;
  await freshToken();
  const agent = new Agent({ connections: 1 });
  agents.push(agent);
  const first = await gatewayTurn(agent, 'echo', 'start a conversation');
  if (!first.conversationId) throw new Error(`could not start a conversation: ${first.error}`);
  const samples: TurnSample[] = [];
  for (let i = 0; i < OPT.ttftFollowups; i++) samples.push(await gatewayTurn(agent, 'echo', `follow-up ${i}`, first.conversationId));
  const g = samples.filter((x) => x.ok).map((x) => x.ttft);
  const ge = errorsOf(samples);
  log(`TTFT follow-ups c=1 (one conversation, up to ${2 * OPT.ttftFollowups + 2} messages of history): gateway p50 ${f(p50(g))} p99 ${f(p99(g))} ms (n=${g.length}, errors ${ge.count}${ge.first ? `: ${ge.first}` : ''})`);
  rows.push({ metric: 'TTFT follow-up c=1 p50 (ms)', gateway: p50(g), note: 'direct: as TTFT c=1' });
  rows.push({ metric: 'TTFT follow-up c=1 p99 (ms)', gateway: p99(g) });
}

async function benchGap() {
  const model = `slow-${OPT.gapDelayMs}`;
  for (const [c, count] of [
    [1, OPT.gapTurnsC1],
    [32, OPT.gapTurnsC32],
  ] as const) {
    await freshToken();
    const direct = await runSlots(c, { count }, (a) => directTurn(a, model, 'gaps'));
    const gateway = await runSlots(c, { count }, (a) => gatewayTurn(a, model, 'gaps'));
    const d = gapsOf(direct.samples, OPT.gapDelayMs);
    const g = gapsOf(gateway.samples, OPT.gapDelayMs);
    const ge = errorsOf(gateway.samples);
    log(
      `gap−${OPT.gapDelayMs}ms c=${c}: gateway p50 ${f(p50(g))} p99 ${f(p99(g))} ms (n=${g.length}, errors ${ge.count}${ge.first ? `: ${ge.first}` : ''}); ` +
        `direct p50 ${f(p50(d))} p99 ${f(p99(d))} ms (n=${d.length}); slowest 1% of gateway gaps at ${tailPlaces(gateway.samples, OPT.gapDelayMs)}`,
    );
    const target = c === 1 ? '≤ 1' : undefined;
    rows.push({ metric: `gap−delay c=${c} p50 (ms)`, gateway: p50(g), direct: p50(d), added: p50(g) - p50(d) });
    rows.push({ metric: `gap−delay c=${c} p99 (ms)`, gateway: p99(g), direct: p99(d), added: p99(g) - p99(d), target, pass: target ? p99(g) - p99(d) <= 1 : undefined });
  }
}

// ------------------------------------------------------------------------------------------ CPU per component

const CLK_TCK = 100; // USER_HZ on Linux

/** utime+stime of a process (plus its reaped children's with `withChildren`), in ms (0 when it is gone). */
function cpuMsOf(pid: number, withChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + (withChildren ? Number(fields[13]) + Number(fields[14]) : 0);
    return (ticks * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

function pidFile(name: string): number | undefined {
  try {
    return Number(readFileSync(join(RUN_DIR, `${name}.pid`), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** CPU ms used so far by each process of the stack (Postgres: the postmaster and its backends). */
function cpuSnapshot(): Map<string, number> {
  const out = new Map<string, number>();
  for (const name of ['api', 'worker-interactive', 'temporal', 'redis']) {
    const pid = pidFile(name);
    if (pid) out.set(name, cpuMsOf(pid));
  }
  const pg = pidFile('postgres');
  if (pg) {
    let total = cpuMsOf(pg, true); // backends that exited are in the postmaster's children times
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pg) total += cpuMsOf(Number(entry));
      } catch {
        /* gone */
      }
    }
    out.set('postgres', total);
  }
  out.set('bench (client+stub)', cpuMsOf(process.pid));
  return out;
}

function cpuPerTurn(before: Map<string, number>, after: Map<string, number>, turns: number): string {
  return [...after]
    .map(([name, ms]) => `${name} ${f((ms - (before.get(name) ?? 0)) / Math.max(1, turns), 1)}`)
    .join(', ');
}

// ------------------------------------------------------------------------------------------ (c) turns/s

async function benchTps() {
  for (const c of OPT.tpsConcurrency) {
    await freshToken();
    log(`turns/s: echo turns at concurrency ${c} for ${OPT.tpsSeconds}s`);
    const cpuBefore = cpuSnapshot();
    const run = await runSlots(c, { seconds: OPT.tpsSeconds }, (a) => gatewayTurn(a, 'echo', 'short turn'));
    const cpuAfter = cpuSnapshot();
    const ok = run.samples.filter((s) => s.ok);
    const e = errorsOf(run.samples);
    const tps = ok.length / run.elapsed;
    log(
      `turns/s c=${c}: ${f(tps, 1)} completed/s (${ok.length} in ${f(run.elapsed, 1)}s), errors ${e.count}${e.first ? ` (${e.first})` : ''}; ` +
        `turn latency p50 ${f(p50(ok.map((s) => s.total)))} p99 ${f(p99(ok.map((s) => s.total)))} ms, TTFT p50 ${f(p50(ok.map((s) => s.ttft)))} ms`,
    );
    log(`turns/s c=${c}: CPU ms per completed turn (Postgres: postmaster and backends): ${cpuPerTurn(cpuBefore, cpuAfter, ok.length)}`);
    rows.push({ metric: `turns/s c=${c}`, gateway: tps, target: '≥ 150', pass: tps >= 150, note: `errors ${e.count}` });
  }
}

// ------------------------------------------------------------------------------------------ (d) idle connections

function apiPid(): number {
  const pid = Number(readFileSync(join(RUN_DIR, 'api.pid'), 'utf8').trim());
  if (!pid) throw new Error(`no API pid in ${RUN_DIR}/api.pid`);
  return pid;
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

function nofile(pid: number | 'self'): { soft: number; hard: number } {
  const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  const n = (s: string | undefined) => (s === 'unlimited' || s === undefined ? Number.MAX_SAFE_INTEGER : Number(s));
  return { soft: n(m?.[1]), hard: n(m?.[2]) };
}

function openFds(pid: number | 'self'): number {
  return Number(execFileSync('ls', [`/proc/${pid}/fd`]).toString().split('\n').filter(Boolean).length);
}

/** Raises this process's soft fd limit to its hard limit when `need` exceeds it (prlimit on our own pid). */
function raiseOwnFdLimit(need: number): { soft: number; hard: number } {
  const lim = nofile('self');
  if (lim.soft >= need || lim.soft >= lim.hard) return lim;
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${lim.hard}:${lim.hard}`]);
    log(`raised this process's open-file limit from ${lim.soft} to ${lim.hard} (prlimit)`);
  } catch (err) {
    log(`could not raise the open-file limit (${(err as Error).message.split('\n')[0]}); run with a larger \`ulimit -n\``);
  }
  return nofile('self');
}

/** Sends one HTTP/1.1 request on a raw socket; resolves once the first body bytes (or an error) arrive. */
function openRaw(head: string, ready: (text: string) => boolean): Promise<{ socket: Socket; firstBytes: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: API_HOST, port: API_PORT });
    let text = '';
    const timer = setTimeout(() => fail(new Error('timeout opening the connection')), 30_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.setEncoding('utf8');
    socket.once('error', fail);
    socket.on('data', function onData(chunk: string) {
      text += chunk;
      if (!ready(text)) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', fail);
      socket.on('error', () => undefined);
      socket.on('data', () => undefined); // keepalive comments, discarded
      resolve({ socket, firstBytes: text });
    });
    socket.write(head);
  });
}

let idleRuns = 0;

interface IdleResult {
  opened: number;
  kbPerConn: number;
  /** Lowest RSS while the connections stayed open for --settle-seconds: what they hold once the garbage of opening them is collected. */
  kbPerConnSettled: number;
  rssBefore: number;
  rssAfter: number;
  note?: string;
  /** Another idle phase ran before in this API process: the delta may reuse the heap it freed. */
  unreliable: boolean;
}

/** An idle connection held open by the bench. */
interface IdleConn {
  alive(): boolean;
  close(): void;
}

const rawConn = (socket: Socket): IdleConn => ({
  alive: () => !socket.destroyed && socket.readyState === 'open',
  close: () => socket.destroy(),
});

/** Opens up to `n` idle connections with `open`, `parallel` at a time; measures API RSS before/after. */
async function measureIdle(label: string, n: number, open: () => Promise<IdleConn>): Promise<IdleResult> {
  const pid = apiPid();
  const apiLim = nofile(pid);
  const apiFds = openFds(pid);
  const own = raiseOwnFdLimit(n + 256);
  const ownFds = openFds('self');
  const cap = Math.min(n, apiLim.soft - apiFds - 64, own.soft - ownFds - 64);
  const capNote =
    cap < n
      ? `${label}: capped at ${cap} by open-file limits (API soft ${apiLim.soft} with ${apiFds} open; bench soft ${own.soft} with ${ownFds} open)`
      : undefined;
  if (capNote) log(capNote);

  const unreliable = idleRuns > 0;
  if (unreliable) notes.push(`${label} ran after another idle measurement in the same API process: its RSS delta may reuse heap freed by the first (for a clean figure: ./dev reload, then --only=${label.includes('WS') ? 'ws' : 'sse'})`);
  await sleep(3000);
  const rssBefore = rssKb(pid);
  log(`${label}: API pid ${pid} VmRSS before ${rssBefore} kB; opening ${cap} idle connections (${OPT.openParallel} at a time)`);
  const sockets: IdleConn[] = [];
  let started = 0;
  let failures = 0;
  let firstError: string | undefined;
  const deadline = performance.now() + OPT.phaseSeconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.max(1, OPT.openParallel) }, async () => {
      while (started < cap && performance.now() < deadline && failures < 50) {
        started++;
        try {
          sockets.push(await open());
        } catch (err) {
          failures++;
          firstError ??= (err as Error).message;
        }
      }
    }),
  );
  const openSecs = (performance.now() - t0) / 1000;
  await sleep(5000);
  const alive = sockets.filter((s) => s.alive()).length;
  const rssAfter = rssKb(pid);
  const kbPerConn = (rssAfter - rssBefore) / Math.max(1, alive);
  log(
    `${label}: ${alive} open and idle after ${f(openSecs, 1)}s (failures ${failures}${firstError ? `: ${firstError}` : ''}); ` +
      `VmRSS after ${rssAfter} kB → ${f(kbPerConn, 2)} KB per connection`,
  );
  // Opening 10,000 requests leaves garbage that V8 collects when it gets to it: the lowest RSS while
  // they all stay open is what they really hold.
  let rssSettled = rssAfter;
  for (const until = performance.now() + OPT.settleSeconds * 1000; performance.now() < until; ) {
    await sleep(5000);
    rssSettled = Math.min(rssSettled, rssKb(pid));
  }
  const stillAlive = sockets.filter((s) => s.alive()).length;
  const kbPerConnSettled = (rssSettled - rssBefore) / Math.max(1, stillAlive);
  log(`${label}: lowest VmRSS over the next ${OPT.settleSeconds}s with ${stillAlive} still open: ${rssSettled} kB → ${f(kbPerConnSettled, 2)} KB per connection (settled)`);
  for (const s of sockets) s.close();
  // V8 keeps freed heap for a while; a later idle measurement in this run may reuse it (see README).
  let rssClosed = rssKb(pid);
  for (let i = 0; i < 10; i++) {
    await sleep(2000);
    const now = rssKb(pid);
    if (rssClosed - now < 1024) break;
    rssClosed = now;
  }
  log(`${label}: closed; VmRSS now ${rssKb(pid)} kB`);
  idleRuns++;
  const reasons = [capNote, failures ? `${failures} failed to open (${firstError})` : undefined, alive < started - failures ? `${started - failures - alive} closed by the server while idle` : undefined].filter(Boolean);
  return { opened: alive, kbPerConn, kbPerConnSettled, rssBefore, rssAfter, note: reasons.length ? reasons.join('; ') : undefined, unreliable };
}

async function benchIdleSse() {
  const token = await freshToken();
  // A turn whose provider stays silent for the whole measurement (stub model quiet-<ms>): following it
  // after its `turn` event keeps each connection open with nothing to send (keepalive every 15 s).
  // A finished turn cannot serve: a client resuming after its last event gets an ended stream.
  const silentMs = (OPT.phaseSeconds + 60) * 1000;
  const started = await request(`${API}/chat/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ message: 'hold on', model: stubModel(`quiet-${silentMs}`) }),
  });
  let firstBlock = '';
  for await (const chunk of started.body) {
    firstBlock += chunk.toString();
    if (/event: turn\n/.test(firstBlock) && firstBlock.includes('\n\n', firstBlock.indexOf('event: turn'))) break;
  }
  started.body.destroy();
  const turnId = /"turnId":"([0-9a-f-]{36})"/.exec(firstBlock)?.[1];
  const lastId = /id: (\d+-\d+)\nevent: turn/.exec(firstBlock)?.[1];
  if (!turnId || !lastId) throw new Error(`could not start a silent turn to follow: ${firstBlock.slice(0, 200)}`);
  const turn = { turnId, lastId };
  const head =
    `GET /api/v3/chat/turns/${turn.turnId}/stream HTTP/1.1\r\nHost: ${API_HOST}:${API_PORT}\r\n` +
    `Accept: text/event-stream\r\nAuthorization: Bearer ${token}\r\nLast-Event-ID: ${turn.lastId}\r\n\r\n`;
  const res = await measureIdle('idle SSE', OPT.sseConns, async () => {
    const { socket, firstBytes } = await openRaw(head, (t) => t.includes('\r\n\r\n') && (!t.startsWith('HTTP/1.1 200') || t.includes(': connected')));
    if (!firstBytes.startsWith('HTTP/1.1 200')) {
      socket.destroy();
      throw new Error(firstBytes.split('\r\n')[0]);
    }
    return rawConn(socket);
  });
  rows.push({
    metric: `idle SSE KB/conn (${res.opened} open)`,
    gateway: res.kbPerConn,
    note: `API VmRSS ${Math.round(res.rssBefore / 1024)}→${Math.round(res.rssAfter / 1024)} MB 5 s after opening${res.unreliable ? '; UNRELIABLE (see note)' : ''}`,
  });
  rows.push({ metric: `idle SSE KB/conn settled`, gateway: res.kbPerConnSettled, note: `lowest RSS over ${OPT.settleSeconds} s open` });
  if (res.opened < OPT.sseConns) notes.push(`idle SSE: ${res.opened} of ${OPT.sseConns} opened${res.note ? ` — ${res.note}` : ''}`);
  await json('POST', `${API}/chat/turns/${turn.turnId}/cancel`, undefined, token).catch(() => undefined);
}

/** Does the API answer a WebSocket upgrade on /api/v3/chat/ws? Returns the status line. */
async function probeWs(): Promise<{ available: boolean; status: string }> {
  const key = Buffer.from(randomUUID().slice(0, 16)).toString('base64');
  const head =
    `GET /api/v3/chat/ws HTTP/1.1\r\nHost: ${API_HOST}:${API_PORT}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\nAuthorization: Bearer ${session.accessToken}\r\n\r\n`;
  try {
    const { socket, firstBytes } = await openRaw(head, (t) => t.includes('\r\n'));
    socket.destroy();
    const status = firstBytes.split('\r\n')[0];
    return { available: !/ 404 /.test(status), status };
  } catch (err) {
    return { available: false, status: (err as Error).message };
  }
}

/**
 * Idle authenticated sockets on WS /api/v3/chat/ws (api/chat-ws/chat-ws.protocol.ts): the credential
 * goes on the upgrade (Authorization: Bearer), so an open socket is an authenticated one; nothing is
 * sent after that. The `ws` client answers the server's 30 s pings, so the sockets are not dropped.
 */
async function measureIdleWs(n: number): Promise<IdleResult> {
  const token = await freshToken();
  const url = `ws://${API_HOST}:${API_PORT}/api/v3/chat/ws`;
  return measureIdle('idle WS', n, async () => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false, handshakeTimeout: 30_000 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    });
    ws.on('error', () => undefined);
    ws.on('message', () => undefined);
    return { alive: () => ws.readyState === WebSocket.OPEN, close: () => ws.terminate() };
  });
}

async function benchIdleWs() {
  await freshToken();
  const probe = await probeWs();
  if (!probe.available) {
    log(`WS: not available (upgrade on /api/v3/chat/ws answered "${probe.status}")`);
    rows.push({ metric: 'idle WS KB/conn', note: 'WS: not available' });
    return;
  }
  const res = await measureIdleWs(OPT.wsConns);
  rows.push({
    metric: `idle WS KB/conn (${res.opened} open)`,
    gateway: res.kbPerConn,
    note: `API VmRSS ${Math.round(res.rssBefore / 1024)}→${Math.round(res.rssAfter / 1024)} MB 5 s after opening${res.unreliable ? '; UNRELIABLE (see note)' : ''}`,
  });
  rows.push({ metric: `idle WS KB/conn settled`, gateway: res.kbPerConnSettled, note: `lowest RSS over ${OPT.settleSeconds} s open` });
  if (res.opened < OPT.wsConns) notes.push(`idle WS: ${res.opened} of ${OPT.wsConns} opened${res.note ? ` — ${res.note}` : ''}`);
}

// ------------------------------------------------------------------------------------------ main

function printTable() {
  const header = ['metric', 'gateway', 'direct', 'added', 'target (added)', 'ok?', 'note'];
  const body = rows.map((r) => [
    r.metric,
    r.gateway === undefined ? '' : f(r.gateway),
    r.direct === undefined ? '' : f(r.direct),
    r.added === undefined ? '' : f(r.added),
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'yes' : 'MISS',
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log('');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
  console.log('(turns/s: the target applies to the gateway figure; "added" = gateway − direct at the same quantile)');
  console.log(`machine: ${cpus().length} CPUs; load average at start ${startLoad}, at end ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other processes share these cores)`);
  for (const n of notes) console.log(`note: ${n}`);
}

const startLoad = loadavg().map((l) => l.toFixed(2)).join(' ');

/** The stub runs in a child process, so its timers do not share this event loop with the load. */
async function startStub(): Promise<ChildProcess> {
  const child = fork(join(__dirname, 'stub-llm.process.ts'), [String(STUB_PORT)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the stub LLM process exited (${code})`)));
  });
  return child;
}

async function main() {
  const stub = await startStub();
  log(`stub LLM on 127.0.0.1:${STUB_PORT}; API ${API}; ${process.env.OPENAI_COMPATIBLE_BASE_URL ? `API's provider: ${process.env.OPENAI_COMPATIBLE_BASE_URL}` : 'OPENAI_COMPATIBLE_BASE_URL not set in this shell'}`);
  try {
    await login();
    log('registered and logged in a bench user');
    const phases: [string, () => Promise<void>][] = [
      ['ttft', async () => {
        await benchTtft();
        await benchTtftFollowups();
      }],
      ['gap', benchGap],
      ['tps', benchTps],
      ['sse', benchIdleSse],
      ['ws', benchIdleWs],
    ];
    for (const [name, run] of phases) {
      if (!OPT.only.has(name)) continue;
      await run();
    }
  } finally {
    printTable();
    await Promise.all(agents.map((a) => a.close()));
    stub.kill('SIGTERM');
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
