/**
 * Temporal cost benchmark — what one short "chat turn"-like workflow costs in CPU on the Temporal dev
 * server and in the TS worker, per workflow shape. Run on demand (NOT a test):
 *
 *   eval "$(./dev env)" && npm run bench:temporal -- [--n=600] [--c=32] [--seq=100] [--stores=file,memory]
 *                                                    [--only=one-activity,eager-local,...] [--port=8750] [--dc='k=v;k=v']
 *
 * It starts its OWN dev server (`temporal server start-dev`, port 8750 by default, data in /tmp/tcost,
 * removed at the end) once per store: `file` = SQLite in WAL mode like `./dev up`, `memory` = no
 * --db-filename. It registers the gateway's search attributes, then per variant runs an in-process
 * Worker (bench/temporal-cost.workflows.ts, bundled once) and a Client on the worker's NativeConnection
 * (needed for eager workflow start), and measures:
 *   - N workflows at concurrency C (start with 6 search attributes, await result): throughput, server
 *     CPU ms per workflow (/proc/<server pid>/stat utime+stime), this process's CPU ms per workflow
 *     (worker + client: process.cpuUsage), and how busy the whole machine was (/proc/stat);
 *   - `seq` workflows one after another: p50/p99 start→result latency;
 *   - for eager variants, how many starts came back with `eagerlyStarted` (load phase, then c1), and
 *     in the history of one workflow the first WorkflowTaskScheduled→Started gap (0 when eager).
 * One "turn" is one workflow, except in the `session` variant: one Update on a long-lived workflow.
 * Numbers include idle background CPU of both processes (pollers, server timers); the idle rate is
 * printed so it can be judged (it is small next to the load).
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, WithStartWorkflowOperation } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, InjectedSinks, NativeConnection, Runtime, Worker, WorkerOptions } from '@temporalio/worker';
import { SA } from '../temporal/search-attributes';
import { turnUpdate, stopSignal, type CostActivities, type CostSinks, type CostTurnInput, type costTurnWorkflow } from './temporal-cost.workflows';
import { argOf, num } from './bench-args';

// ------------------------------------------------------------------------------------------ options


const OPT = {
  n: num('n', 600),
  c: num('c', 32),
  seq: num('seq', 100),
  warmup: num('warmup', 64),
  port: num('port', 8750),
  stores: argOf('stores', 'file,memory').split(',').filter(Boolean) as Array<'file' | 'memory'>,
  only: argOf('only', '').split(',').filter(Boolean),
  cli: argOf('cli', join(__dirname, '..', '.tools', 'bin', 'temporal')),
  dir: argOf('dir', '/tmp/tcost'),
  /** Extra server dynamic config, e.g. --dc=matching.numTaskqueueReadPartitions=1;matching.numTaskqueueWritePartitions=1 */
  dc: argOf('dc', '').split(';').filter(Boolean),
};
const ADDRESS = `127.0.0.1:${OPT.port}`;
const NAMESPACE = 'default';

// ----------------------------------------------------------------------------------------- variants

interface Variant {
  name: string;
  activity: CostTurnInput['activity'];
  upsert: boolean;
  eager?: boolean;
  /** Don't await the result from the server (the streaming API path only starts the turn). */
  noResult?: boolean;
  /** One Update per turn on C long-lived session workflows instead of one workflow per turn. */
  session?: boolean;
  /**
   * One workflow per conversation, each turn an Update-with-Start on it (the Temporal chat samples'
   * shape: the first turn starts the conversation's workflow, later ones join it; turns of one
   * conversation are serialised). One conversation per concurrency slot.
   */
  updateWithStart?: boolean;
  worker?: Partial<WorkerOptions>;
}

const ALL_VARIANTS: Variant[] = [
  { name: 'one-activity', activity: 'regular', upsert: true }, // today's chat turn shape
  { name: 'one-local-activity', activity: 'local', upsert: true },
  { name: 'local-no-upsert', activity: 'local', upsert: false },
  { name: 'no-activity', activity: 'none', upsert: true },
  { name: 'eager-one-activity', activity: 'regular', upsert: true, eager: true },
  { name: 'eager-local', activity: 'local', upsert: true, eager: true },
  { name: 'eager-local-no-upsert', activity: 'local', upsert: false, eager: true },
  // Start-only callers (POST /chat/stream): completion comes through a sink, no result long-poll.
  { name: 'local no-result', activity: 'local', upsert: true, noResult: true },
  { name: 'session update/turn (local)', activity: 'local', upsert: false, session: true },
  { name: 'conversation update-with-start/turn (local)', activity: 'local', upsert: true, updateWithStart: true },
  { name: 'conversation update-with-start/turn (regular)', activity: 'regular', upsert: true, updateWithStart: true },
  // Worker option tweaks on the eager local shape.
  { name: 'eager-local reuseV8Context=false', activity: 'local', upsert: true, eager: true, worker: { reuseV8Context: false } },
  { name: 'eager-local maxCached=64', activity: 'local', upsert: true, eager: true, worker: { maxCachedWorkflows: 64 } },
  // Eager start needs a free workflow-task slot at start time; more slots than in-flight turns.
  { name: 'eager-local maxWFT=64', activity: 'local', upsert: true, eager: true, worker: { maxConcurrentWorkflowTaskExecutions: 64, maxConcurrentLocalActivityExecutions: 64 } },
  { name: 'eager-local maxWFT=64 no-result', activity: 'local', upsert: true, eager: true, noResult: true, worker: { maxConcurrentWorkflowTaskExecutions: 64, maxConcurrentLocalActivityExecutions: 64 } },
];
const VARIANTS = ALL_VARIANTS.filter((v) => !OPT.only.length || OPT.only.includes(v.name));

// ------------------------------------------------------------------------------------ cpu accounting

const CORES = cpus().length;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** utime+stime of a process (all its threads), in ms. */
function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // comm may contain spaces
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK; // fields 14 and 15 of stat(5)
}
/** Busy and total jiffies of the whole machine, to tell whether the box was saturated (or shared). */
function machineCpu(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total }; // idle + iowait
}
const selfCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Sample { wall: number; server: number; self: number; machine: { busy: number; total: number } }
const sample = (serverPid: number): Sample => ({ wall: performance.now(), server: procCpuMs(serverPid), self: selfCpuMs(), machine: machineCpu() });

// ----------------------------------------------------------------------------------------- server

let server: ChildProcess | undefined;

function cli(args: string[]): string {
  return execFileSync(OPT.cli, [...args, '--address', ADDRESS, '--namespace', NAMESPACE], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

async function startServer(store: 'file' | 'memory'): Promise<number> {
  rmSync(OPT.dir, { recursive: true, force: true });
  mkdirSync(OPT.dir, { recursive: true });
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(OPT.port), '--headless', '--log-level', 'error',
    // Same flags as `./dev up`, plus eager workflow start (off by default on the server).
    '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
    '--dynamic-config-value', 'system.enableEagerWorkflowStart=true',
    ...OPT.dc.flatMap((kv) => ['--dynamic-config-value', kv]),
    ...(store === 'file' ? ['--db-filename', join(OPT.dir, 'db.sqlite'), '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'] : [])];
  server = spawn(OPT.cli, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const pid = server.pid!;
  for (let i = 0; ; i++) {
    try { cli(['operator', 'namespace', 'describe']); break; } catch (err) {
      if (i > 120 || server.exitCode !== null) throw new Error(`temporal dev server did not come up: ${(err as Error).message}`);
      await sleep(250);
    }
  }
  // The gateway's search attributes (temporal/search-attributes.json), registered the way an operator would.
  const wanted = Object.values(SA).map((k) => [k.name, k.type === 'DOUBLE' ? 'Double' : 'Keyword'] as const);
  for (const [name, type] of wanted) cli(['operator', 'search-attribute', 'create', '--name', name, '--type', type]);
  for (let i = 0; !wanted.every(([name]) => cli(['operator', 'search-attribute', 'list']).includes(name)); i++) {
    if (i > 40) throw new Error('search attributes did not show up');
    await sleep(250);
  }
  return pid;
}

async function stopServer(): Promise<void> {
  const s = server;
  server = undefined;
  if (!s || s.exitCode !== null) return;
  const exited = new Promise((r) => s.once('exit', r));
  s.kill('SIGTERM');
  if (!(await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]))) s.kill('SIGKILL');
}

function cleanup(): void {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  rmSync(OPT.dir, { recursive: true, force: true });
}
process.once('SIGINT', () => { cleanup(); process.exit(130); });
process.once('SIGTERM', () => { cleanup(); process.exit(143); });

// ------------------------------------------------------------------------------------------ runner

const activities: CostActivities = { fakeReply: async () => ({ costUsd: '0.0012' }) };

async function pool(n: number, c: number, fn: (i: number, slot: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(c, n) }, async (_, slot) => { while (next < n) await fn(next++, slot); }));
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

interface Row {
  store: string; variant: string; wfPerS: number; serverMs: number; workerMs: number; othersMs: number; machineBusy: number;
  p50: number; p99: number; eager: string; firstWftDelayMs: number; failed: number;
}

async function runVariant(store: string, v: Variant, serverPid: number, connection: NativeConnection, workflowBundle: { code: string }): Promise<Row> {
  const taskQueue = `tcost-${v.name.replace(/[^a-z0-9-]/gi, '_')}-${randomUUID().slice(0, 8)}`;
  const client = new Client({ connection: connection as never, namespace: NAMESPACE });
  const waiting = new Map<string, () => void>();
  const sinks: InjectedSinks<CostSinks> = { bench: { done: { fn: (_info, turnId) => waiting.get(turnId)?.(), callDuringReplay: false } } };
  const worker = await Worker.create({ connection, namespace: NAMESPACE, taskQueue, workflowBundle, activities, sinks, ...v.worker });
  let eager = 0, starts = 0, failed = 0, lastId = '';
  const sessions = v.session || v.updateWithStart ? Array.from({ length: OPT.c }, () => `tcost-session-${randomUUID()}`) : [];
  const one = async (tag: string, i: number, slot = 0): Promise<number> => {
    const turnId = `${tag}-${i}-${randomUUID()}`;
    const t0 = performance.now();
    const done = new Promise<void>((resolve) => waiting.set(turnId, resolve));
    try {
      if (v.session) {
        await client.workflow.getHandle(sessions[slot]).executeUpdate(turnUpdate, { args: [{ turnId, activity: v.activity, upsert: false }] });
        return performance.now() - t0;
      }
      if (v.updateWithStart) {
        const startWorkflowOperation = new WithStartWorkflowOperation('costSessionWorkflow', {
          taskQueue, workflowId: sessions[slot], workflowIdConflictPolicy: 'USE_EXISTING', args: [],
          typedSearchAttributes: [{ key: SA.kind, value: 'conversation' }, { key: SA.userId, value: `user-${slot % 50}` }, { key: SA.conversationId, value: sessions[slot] }],
        });
        await client.workflow.executeUpdateWithStart(turnUpdate, { args: [{ turnId, activity: v.activity, upsert: v.upsert }], startWorkflowOperation });
        starts++;
        return performance.now() - t0;
      }
      const handle = await client.workflow.start<typeof costTurnWorkflow>('costTurnWorkflow', {
        taskQueue, workflowId: (lastId = `tcost-${turnId}`),
        args: [{ turnId, activity: v.activity, upsert: v.upsert, notify: v.noResult }],
        requestEagerStart: v.eager,
        typedSearchAttributes: [
          { key: SA.kind, value: 'chat-turn' }, { key: SA.userId, value: `user-${i % 50}` },
          { key: SA.conversationId, value: `conv-${i % 200}` }, { key: SA.model, value: 'stub-echo' },
          { key: SA.status, value: 'running' }, { key: SA.requestId, value: turnId },
        ],
      });
      starts++;
      if (handle.eagerlyStarted) eager++;
      await (v.noResult ? done : handle.result());
    } catch (err) {
      if (++failed <= 3) console.error(`  ${v.name}: ${(err as Error).message}`);
    } finally {
      waiting.delete(turnId);
    }
    return performance.now() - t0;
  };

  return worker.runUntil(async () => {
    if (v.session) for (const workflowId of sessions) await client.workflow.start('costSessionWorkflow', { taskQueue, workflowId, args: [] });
    await pool(OPT.warmup, OPT.c, (i, slot) => one('warm', i, slot).then(() => undefined));
    eager = starts = failed = 0;
    const a = sample(serverPid);
    await pool(OPT.n, OPT.c, (i, slot) => one('load', i, slot).then(() => undefined));
    const end = performance.now();
    // Let the last workflow-task completions (sent after the sink call) land before reading CPU.
    await sleep(300);
    const b = sample(serverPid);
    const eagerLoad = `${eager}/${starts}`;
    eager = starts = 0;
    const lat: number[] = [];
    for (let i = 0; i < OPT.seq; i++) lat.push(await one('seq', i));
    // Eager start shows in history too: the first workflow task is started with no poll in between.
    await Promise.all(sessions.map((id) => client.workflow.getHandle(id).signal(stopSignal)));
    const events = lastId && !v.session ? (await client.workflow.getHandle(lastId).fetchHistory()).events ?? [] : [];
    const ms = (e?: (typeof events)[number]) => (e?.eventTime ? Number(e.eventTime.seconds) * 1000 + (e.eventTime.nanos ?? 0) / 1e6 : NaN);
    const firstWftDelayMs = ms(events.find((e) => e.workflowTaskStartedEventAttributes)) - ms(events.find((e) => e.workflowTaskScheduledEventAttributes));
    const done = Math.max(1, OPT.n - failed);
    return {
      store, variant: v.name,
      wfPerS: (done * 1000) / (end - a.wall),
      serverMs: (b.server - a.server) / done,
      workerMs: (b.self - a.self) / done,
      // Everything else on the machine (other stacks, tests, builds) during the run: it steals cores.
      othersMs: (((b.machine.busy - a.machine.busy) * 1000) / CLK_TCK - (b.server - a.server) - (b.self - a.self)) / done,
      machineBusy: (100 * (b.machine.busy - a.machine.busy)) / Math.max(1, b.machine.total - a.machine.total),
      p50: pct(lat, 50), p99: pct(lat, 99),
      eager: v.eager ? `${eagerLoad}, c1 ${eager}/${starts}` : '-',
      firstWftDelayMs,
      failed,
    };
  });
}

async function idleRates(serverPid: number): Promise<string> {
  const a = sample(serverPid);
  await sleep(3000);
  const b = sample(serverPid);
  const s = (b.wall - a.wall) / 1000;
  return `idle: server ${((b.server - a.server) / s).toFixed(0)} ms CPU/s, this process ${((b.self - a.self) / s).toFixed(0)} ms CPU/s`;
}

function printTable(rows: Row[]): void {
  // "cap" = wf/s if all cores did nothing but this server + worker: cores * 1000 / (server + worker ms).
  const head = ['store', 'variant', `turns/s @c${OPT.c}`, 'server ms/turn', 'worker+client ms/turn', 'sum ms/turn', `cap turns/s (${CORES} cores)`, 'others ms/turn', 'machine busy %', 'p50 ms @c1', 'p99 ms @c1', 'eagerly started', 'WFT sched→start ms', 'failed'];
  const body = rows.map((r) => [r.store, r.variant, r.wfPerS.toFixed(1), r.serverMs.toFixed(1), r.workerMs.toFixed(1), (r.serverMs + r.workerMs).toFixed(1), ((CORES * 1000) / (r.serverMs + r.workerMs)).toFixed(0), r.othersMs.toFixed(1), r.machineBusy.toFixed(0), r.p50.toFixed(1), r.p99.toFixed(1), r.eager, Number.isNaN(r.firstWftDelayMs) ? '-' : r.firstWftDelayMs.toFixed(1), String(r.failed)]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ') + ' |';
  console.log([line(head), '|' + w.map((x, i) => (i < 2 ? ':' : '-') + '-'.repeat(x) + (i < 2 ? '-' : ':')).join('|') + '|', ...body.map(line)].join('\n'));
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // Bundle once; every variant's worker reuses the same code.
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./temporal-cost.workflows'), logger: new DefaultLogger('WARN') });
  const rows: Row[] = [];
  try {
    for (const store of OPT.stores) {
      const pid = await startServer(store);
      const connection = await NativeConnection.connect({ address: ADDRESS });
      console.log(`[${store}] server pid ${pid}; ${await idleRates(pid)}`);
      for (const v of VARIANTS) {
        const row = await runVariant(store, v, pid, connection, workflowBundle);
        rows.push(row);
        console.log(`[${store}] ${v.name}: ${row.wfPerS.toFixed(1)} wf/s, server ${row.serverMs.toFixed(1)} + worker ${row.workerMs.toFixed(1)} ms CPU/wf (others ${row.othersMs.toFixed(1)}), p50 ${row.p50.toFixed(1)} ms, eager ${row.eager}`);
      }
      await connection.close();
      await stopServer();
    }
  } finally {
    cleanup();
  }
  console.log(`\nN=${OPT.n} at concurrency ${OPT.c} (after ${OPT.warmup} warm-up), latency over ${OPT.seq} sequential; ${CORES} CPUs, Node ${process.version}, load avg ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  printTable(rows);
}

main().catch((err) => {
  console.error(err);
  cleanup();
  process.exit(1);
});
