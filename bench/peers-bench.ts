/**
 * Gateway v3 beside LiteLLM and Portkey, in one run, against one OpenAI-compatible stub — run on demand
 * (NOT a test):
 *
 *   ./dev up   with   OPENAI_COMPATIBLE_BASE_URL=http://127.0.0.1:4470/v1   (the stub's port, --stub-port)
 *   eval "$(./dev env)" && npx tsx bench/peers-bench.ts [--seconds=10] [--concurrency=1,32,64] [--runs=2]
 *
 * bench/install-peers.sh installs the peers into .tools/bench-peers/ on first use (LiteLLM's proxy from
 * PyPI into a venv, one worker; Portkey's gateway from npm). Every arm streams POST /chat/completions
 * (`stream: true`) of the same stub model `paced-50-5` (50 ms to the first token, then 40 tokens 5 ms
 * apart) through: the stub directly, LiteLLM, Portkey and Gateway v3 (through the running stack, a durable
 * turn each). Arms are interleaved, each run visiting every arm at every concurrency; each phase is a
 * bounded number of seconds of closed-loop load (`c` concurrent clients, each starting its next stream
 * when one ends). Printed per phase: TTFT p50/p99, inter-token gap p99, streams/s, errors, CPU ms per
 * stream of the arm's own processes (for Gateway v3: API, workers, Temporal, Postgres, Redis) and the
 * load average; then the table of the issue, all runs side by side, and Gateway v3's ratios to each peer.
 */
import { ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { argOf, num } from './bench-args';

const ROOT = join(__dirname, '..');
const OPT = {
  seconds: num('seconds', 10),
  warmupSeconds: num('warmup-seconds', 2),
  concurrency: argOf('concurrency', '1,32,64').split(',').map(Number),
  runs: num('runs', 2),
  arms: argOf('arms', 'direct,litellm,portkey,gateway').split(','),
  stubPort: num('stub-port', Number(process.env.BENCH_STUB_PORT ?? 4470)),
  litellmPort: num('litellm-port', 4471),
  portkeyPort: num('portkey-port', 4472),
  model: argOf('model', 'paced-50-5'),
};
const API_URL = `http://${process.env.API_HOST ?? '127.0.0.1'}:${process.env.API_PORT ?? '3000'}/api/v3`;
const RUN_DIR = process.env.RUN_DIR ?? join(ROOT, '.run');
const LITELLM_KEY = 'sk-bench-master-key';

interface Arm {
  name: string;
  label: string;
  url: string;
  headers: Record<string, string>;
  model: string;
  /** Processes whose CPU time this arm costs. */
  pids: () => number[];
}

interface Phase {
  arm: string;
  run: number;
  concurrency: number;
  ttft: number[];
  gaps: number[];
  streams: number;
  errors: number;
  seconds: number;
  cpuMsPerStream: number;
  load: number;
}

// ------------------------------------------------------------------------------------------ processes

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGTERM')));
process.on('SIGINT', () => process.exit(130));

async function waitHttp(url: string, what: string, init: RequestInit = {}, seconds = 90) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      const res = await fetch(url, init);
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${what} did not come up at ${url} within ${seconds} s`);
    await sleep(300);
  }
}

async function startStub(): Promise<ChildProcess> {
  const child = fork(join(__dirname, 'stub-llm.process.ts'), [String(OPT.stubPort)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  children.push(child);
  await new Promise<void>((ok, fail) => {
    child.once('message', () => ok());
    child.once('exit', (code) => fail(new Error(`the stub exited with ${code} (is port ${OPT.stubPort} free?)`)));
  });
  return child;
}

function installPeers(which: string[]): string {
  return execFileSync(join(__dirname, 'install-peers.sh'), which, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
}

async function startLitellm(peers: string): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'litellm-bench-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      'model_list:',
      `  - model_name: ${OPT.model}`,
      '    litellm_params:',
      `      model: openai/${OPT.model}`,
      `      api_base: http://127.0.0.1:${OPT.stubPort}/v1`,
      '      api_key: sk-stub',
      'litellm_settings:',
      '  telemetry: false',
      '  drop_params: true',
      'general_settings:',
      `  master_key: ${LITELLM_KEY}`,
      '',
    ].join('\n'),
  );
  const child = spawn(join(peers, 'litellm-venv/bin/litellm'), ['--config', config, '--host', '127.0.0.1', '--port', String(OPT.litellmPort), '--num_workers', '1'], {
    // Not the stack's variables: given DATABASE_URL (or REDIS_URL), LiteLLM sets up its own Postgres schema with
    // prisma, which fetches engines from the internet, and never comes up.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LITELLM_MASTER_KEY: LITELLM_KEY, LITELLM_LOG: 'ERROR', LITELLM_TELEMETRY: 'False', NO_DOCS: 'True', DISABLE_ADMIN_UI: 'True' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  await waitHttp(`http://127.0.0.1:${OPT.litellmPort}/health/liveliness`, 'LiteLLM', {}, 180);
  return child;
}

async function startPortkey(peers: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(peers, 'portkey/node_modules/@portkey-ai/gateway/build/start-server.js'), `--port=${OPT.portkeyPort}`, '--headless'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  await waitHttp(`http://127.0.0.1:${OPT.portkeyPort}/`, 'Portkey');
  return child;
}

/** A fresh member of the running stack and an API key for the OpenAI SDK wire format. */
async function gatewayKey(): Promise<string> {
  const email = `bench-peers-${Date.now().toString(36)}@example.test`;
  const password = 'correct horse battery';
  const post = (path: string, body: unknown) =>
    fetch(`${API_URL}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const reg = await post('/auth/register', { email, password, name: 'Peers bench' });
  if (reg.status !== 202) throw new Error(`register on ${API_URL} failed: ${reg.status} ${await reg.text()}`);
  const login = await post('/auth/login', { email, password });
  if (login.status !== 200) throw new Error(`login on ${API_URL} failed: ${login.status} ${await login.text()}`);
  const { accessToken } = (await login.json()) as { accessToken: string };
  const key = await fetch(`${API_URL}/users/me/api-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ name: 'peers bench' }),
  });
  if (key.status !== 201) throw new Error(`api key: ${key.status} ${await key.text()}`);
  return ((await key.json()) as { key: string }).key;
}

function pidFile(name: string): number[] {
  try {
    return [Number(readFileSync(join(RUN_DIR, `${name}.pid`), 'utf8').trim())];
  } catch {
    return [];
  }
}

/** A process and its descendants (LiteLLM's uvicorn worker, Postgres backends). */
function withDescendants(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const visit = (pid: number) => {
    out.push(pid);
    for (const child of parents.get(pid) ?? []) visit(child);
  };
  visit(root);
  return out;
}

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      /* exited */
    }
  }
  return ticks * TICK_MS;
}

// ------------------------------------------------------------------------------------------ load

interface StreamResult {
  ttft: number;
  gaps: number[];
}

/** One streamed completion: time to the first non-empty content delta, gaps between content deltas. */
async function oneStream(arm: Arm, agent: Agent): Promise<StreamResult> {
  const started = performance.now();
  const res = await request(arm.url, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...arm.headers },
    body: JSON.stringify({ model: arm.model, messages: [{ role: 'user', content: 'bench' }], stream: true, max_tokens: 100 }),
  });
  if (res.statusCode !== 200) throw new Error(`${arm.name}: ${res.statusCode} ${(await res.body.text()).slice(0, 200)}`);
  let ttft = -1;
  let last = 0;
  let chunks = 0;
  const gaps: number[] = [];
  let buffer = '';
  for await (const piece of res.body) {
    buffer += piece.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line.startsWith('data:') || line === 'data: [DONE]') continue;
      const content = (JSON.parse(line.slice(5)) as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content;
      if (!content) continue;
      const now = performance.now();
      if (ttft < 0) ttft = now - started;
      else gaps.push(now - last);
      last = now;
      chunks++;
    }
  }
  if (ttft < 0 || chunks < 40) throw new Error(`${arm.name}: ${chunks} content chunks`);
  return { ttft, gaps };
}

async function phase(arm: Arm, concurrency: number, run: number): Promise<Phase> {
  const agents = Array.from({ length: concurrency }, () => new Agent({ connections: 1, pipelining: 1 }));
  const loop = async (agent: Agent, until: number, sink?: Phase) => {
    while (performance.now() < until) {
      try {
        const r = await oneStream(arm, agent);
        if (sink) {
          sink.ttft.push(r.ttft);
          sink.gaps.push(...r.gaps);
          sink.streams++;
        }
      } catch (err) {
        if (sink) {
          sink.errors++;
          if (sink.errors <= 3) console.error(`  ${(err as Error).message}`);
        }
      }
    }
  };
  await Promise.all(agents.map((a) => loop(a, performance.now() + OPT.warmupSeconds * 1000)));
  const result: Phase = { arm: arm.name, run, concurrency, ttft: [], gaps: [], streams: 0, errors: 0, seconds: 0, cpuMsPerStream: 0, load: 0 };
  const pids = arm.pids().flatMap(withDescendants);
  const cpuBefore = cpuMs(pids);
  const t0 = performance.now();
  await Promise.all(agents.map((a) => loop(a, t0 + OPT.seconds * 1000, result)));
  result.seconds = (performance.now() - t0) / 1000;
  result.cpuMsPerStream = result.streams ? (cpuMs(pids) - cpuBefore) / result.streams : 0;
  result.load = loadavg()[0];
  await Promise.all(agents.map((a) => a.close()));
  return result;
}

// ------------------------------------------------------------------------------------------ report

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');

function describe(p: Phase) {
  return {
    ttftP50: pct(p.ttft, 50),
    ttftP99: pct(p.ttft, 99),
    gapP99: pct(p.gaps, 99),
    streamsPerSec: p.streams / p.seconds,
  };
}

function table(results: Phase[], arms: Arm[]) {
  const cell = (arm: string, c: number, pick: (p: Phase) => string) =>
    results
      .filter((p) => p.arm === arm && p.concurrency === c)
      .map(pick)
      .join(' / ');
  const rows: [string, string, (p: Phase) => string][] = [];
  for (const c of OPT.concurrency) {
    rows.push([String(c), 'TTFT p50 / p99 ms', (p) => `${f0(describe(p).ttftP50)}/${f0(describe(p).ttftP99)}`]);
    rows.push([String(c), 'inter-token gap p99 ms', (p) => f1(describe(p).gapP99)]);
    rows.push([String(c), 'streams/s', (p) => f0(describe(p).streamsPerSec)]);
    rows.push([String(c), 'CPU ms per stream', (p) => f1(p.cpuMsPerStream)]);
    rows.push([String(c), 'errors', (p) => String(p.errors)]);
  }
  console.log(`\n| concurrency | measure (run ${Array.from({ length: OPT.runs }, (_, i) => i + 1).join(' / ')}) | ${arms.map((a) => a.label).join(' | ')} |`);
  console.log(`|---|---|${arms.map(() => '---').join('|')}|`);
  for (const [c, measure, pick] of rows) console.log(`| ${c} | ${measure} | ${arms.map((a) => cell(a.name, Number(c), pick)).join(' | ')} |`);

  const mean = (arm: string, c: number, f: (p: Phase) => number) => {
    const xs = results.filter((p) => p.arm === arm && p.concurrency === c).map(f);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  if (!arms.some((a) => a.name === 'gateway')) return;
  console.log('\nGateway v3 as a ratio of each peer (mean of the runs; streams/s: higher is better, the rest: lower is better)');
  for (const peer of arms.filter((a) => a.name !== 'gateway')) {
    for (const c of OPT.concurrency) {
      const r = (f: (p: Phase) => number) => f1(mean('gateway', c, f) / mean(peer.name, c, f));
      console.log(
        `  vs ${peer.label.padEnd(14)} c=${String(c).padEnd(3)} TTFT p50 ×${r((p) => describe(p).ttftP50)}  gap p99 ×${r((p) => describe(p).gapP99)}  streams/s ×${r((p) => describe(p).streamsPerSec)}  CPU/stream ×${r((p) => p.cpuMsPerStream)}`,
      );
    }
  }
}

// ------------------------------------------------------------------------------------------ main

async function main() {
  console.log(`peers bench: model ${OPT.model}, concurrency ${OPT.concurrency.join(',')}, ${OPT.seconds} s a phase, ${OPT.runs} runs, load ${loadavg().map(f1).join(' ')}`);
  const stub = await startStub();
  const arms: Arm[] = [];
  const want = new Set(OPT.arms);
  if (want.has('direct')) {
    arms.push({ name: 'direct', label: 'stub direct', url: `http://127.0.0.1:${OPT.stubPort}/v1/chat/completions`, headers: {}, model: OPT.model, pids: () => [stub.pid!] });
  }
  const peerArms = ['litellm', 'portkey'].filter((p) => want.has(p));
  const peers = peerArms.length ? installPeers(peerArms) : '';
  if (want.has('litellm')) {
    const proc = await startLitellm(peers);
    arms.push({ name: 'litellm', label: 'LiteLLM (1 worker)', url: `http://127.0.0.1:${OPT.litellmPort}/v1/chat/completions`, headers: { authorization: `Bearer ${LITELLM_KEY}` }, model: OPT.model, pids: () => [proc.pid!] });
  }
  if (want.has('portkey')) {
    const proc = await startPortkey(peers);
    arms.push({
      name: 'portkey',
      label: 'Portkey',
      url: `http://127.0.0.1:${OPT.portkeyPort}/v1/chat/completions`,
      headers: { authorization: 'Bearer sk-stub', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `http://127.0.0.1:${OPT.stubPort}/v1` },
      model: OPT.model,
      pids: () => [proc.pid!],
    });
  }
  if (want.has('gateway')) {
    await waitHttp(`${API_URL}/monitoring/health/live`, 'Gateway v3 (./dev up)', {}, 10);
    const key = await gatewayKey();
    const gateway: Arm = {
      name: 'gateway',
      label: 'Gateway v3',
      url: `${API_URL}/chat/completions`,
      headers: { authorization: `Bearer ${key}` },
      model: `openai-compatible/${OPT.model}`,
      pids: () => ['api', 'worker-interactive', 'worker-background', 'temporal', 'redis', 'postgres'].flatMap(pidFile),
    };
    // The stack must stream from this bench's stub: its OpenAI-compatible provider points at --stub-port.
    try {
      await oneStream(gateway, new Agent());
    } catch (err) {
      throw new Error(`Gateway v3 cannot stream from the stub: start the stack with OPENAI_COMPATIBLE_BASE_URL=http://127.0.0.1:${OPT.stubPort}/v1 (${(err as Error).message})`);
    }
    arms.push(gateway);
  }

  const results: Phase[] = [];
  for (let run = 1; run <= OPT.runs; run++) {
    for (const c of OPT.concurrency) {
      for (const arm of run % 2 ? arms : [...arms].reverse()) {
        const p = await phase(arm, c, run);
        const d = describe(p);
        console.log(
          `run ${run} ${arm.label.padEnd(18)} c=${String(c).padEnd(3)} TTFT p50 ${f0(d.ttftP50)} p99 ${f0(d.ttftP99)} ms, gap p99 ${f1(d.gapP99)} ms, ${f1(d.streamsPerSec)} streams/s, ${f1(p.cpuMsPerStream)} CPU ms/stream, ${p.errors} errors, load ${f1(p.load)}`,
        );
        results.push(p);
      }
    }
  }
  table(results, arms);
  console.log(`\nload average at the end: ${loadavg().map(f1).join(' ')}`);
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
