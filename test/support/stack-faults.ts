import { execFile, spawn } from 'node:child_process';
import { openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stack } from './stack';

/**
 * Stops and starts the test stack's own components the way `./dev` runs them (pids and logs under
 * $RUN_DIR, data under $DATA_DIR), for the fault specs. Only `./dev test`'s throw-away stack is touched.
 */
const run = promisify(execFile);
const runDir = process.env.RUN_DIR ?? join(__dirname, '../../.run');
const dataDir = process.env.DATA_DIR ?? join(__dirname, '../../.data/dev');
const logDir = join(runDir, 'logs');
const pgPort = new URL(stack.databaseUrl).port;
const redisPort = new URL(stack.redisUrl).port;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function pidOf(name: string): number {
  return Number(readFileSync(join(runDir, `${name}.pid`), 'utf8').trim());
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms = 15_000) {
  const end = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > end) {
      process.kill(pid, 'SIGKILL');
      await sleep(200);
      return;
    }
    await sleep(50);
  }
}

/** Waits until a supervised process (api, worker-interactive…) runs under a pid other than `old`. */
export async function restartedAfter(name: string, old: number, ms = 20_000): Promise<number> {
  const end = Date.now() + ms;
  for (;;) {
    const pid = pidOf(name);
    if (pid !== old && alive(pid)) return pid;
    if (Date.now() > end) throw new Error(`${name} was not restarted within ${ms} ms`);
    await sleep(100);
  }
}

// PostgreSQL refuses to run as root: as root, pg_ctl runs as the postgres user (as ./dev does).
function pgCtl(args: string[]) {
  const bins = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
  const pgCtlPath = `/usr/lib/postgresql/${bins[bins.length - 1]}/bin/pg_ctl`;
  return process.getuid?.() === 0 ? run('runuser', ['-u', 'postgres', '--', pgCtlPath, ...args]) : run(pgCtlPath, args);
}

export const postgres = {
  async stop() {
    await pgCtl(['-D', join(dataDir, 'pg'), '-m', 'fast', '-w', 'stop']);
  },
  async start() {
    const opts = `-p ${pgPort} -h 127.0.0.1 -c unix_socket_directories='' -c fsync=off -c max_connections=200`;
    await pgCtl(['-D', join(dataDir, 'pg'), '-l', join(logDir, 'postgres.log'), '-w', '-t', '60', '-o', opts, 'start']);
    writeFileSync(join(runDir, 'postgres.pid'), readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0] + '\n');
  },
};

export const redis = {
  /** A clean shutdown (the append-only file is flushed, as on a planned restart). */
  async stop() {
    const pid = pidOf('redis');
    await run('redis-cli', ['-p', redisPort, 'shutdown']).catch(() => undefined);
    await waitGone(pid);
  },
  async start() {
    await run('redis-server', ['--port', redisPort, '--bind', '127.0.0.1', '--dir', join(dataDir, 'redis'), '--appendonly', 'yes', '--daemonize', 'yes', '--pidfile', join(runDir, 'redis.pid'), '--logfile', join(logDir, 'redis.log'), '--save', '']);
    const end = Date.now() + 20_000;
    while (!(await run('redis-cli', ['-p', redisPort, 'ping']).then((r) => r.stdout.trim() === 'PONG', () => false))) {
      if (Date.now() > end) throw new Error('redis did not come back');
      await sleep(100);
    }
  },
};

let temporalArgv: string[] | undefined;
export const temporal = {
  /** SIGTERM to the dev server; its SQLite file keeps every workflow. */
  async stop() {
    const pid = pidOf('temporal');
    temporalArgv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    process.kill(pid, 'SIGTERM');
    await waitGone(pid);
  },
  /** The same command line again, detached like ./dev's nohup. */
  async start() {
    if (!temporalArgv) throw new Error('temporal.stop() first');
    const log = openSync(join(logDir, 'temporal.log'), 'a');
    const child = spawn(temporalArgv[0], temporalArgv.slice(1), { detached: true, stdio: ['ignore', log, log] });
    child.unref();
    writeFileSync(join(runDir, 'temporal.pid'), `${child.pid}\n`);
    const end = Date.now() + 60_000;
    while (!(await run(stack.temporalCli, ['operator', 'namespace', 'describe', '--address', stack.temporalAddress, '-n', process.env.TEMPORAL_NAMESPACE ?? 'default']).then(() => true, () => false))) {
      if (Date.now() > end) throw new Error('temporal did not come back');
      await sleep(250);
    }
  },
};
