import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import pino from 'pino';

/** More event loops than this on one machine buy little and cost a Postgres pool each. */
const MAX_AUTO_PROCESSES = 8;
/** A process that ran this long was healthy: its crash restarts the back-off (as ./dev's supervisor). */
const HEALTHY_MS = 30_000;
const STOP_GRACE_MS = 15_000;

/** API_PROCESSES=0 means one per core, capped. */
export function apiProcessCount(setting: number, cores = availableParallelism()): number {
  return setting > 0 ? setting : Math.max(1, Math.min(cores, MAX_AUTO_PROCESSES));
}

/**
 * The cluster primary: forks `count` API processes sharing the listening socket (Node hands each
 * new connection to the next process in turn) and replaces one that exits, 1 s after the first five
 * crashes in a row, then 5 s. SIGTERM/SIGINT stop the processes gracefully, then the primary.
 */
export function runApiCluster(count: number): void {
  const log = pino({ name: 'api-cluster' });
  const startedAt = new Map<number, number>();
  let crashesInARow = 0;
  let stopping = false;

  const fork = () => {
    const worker = cluster.fork();
    startedAt.set(worker.id, Date.now());
  };
  const alive = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);

  cluster.on('exit', (worker, code, signal) => {
    const ranMs = Date.now() - (startedAt.get(worker.id) ?? Date.now());
    startedAt.delete(worker.id);
    if (stopping) {
      if (!alive().length) process.exit(0);
      return;
    }
    crashesInARow = ranMs >= HEALTHY_MS ? 1 : crashesInARow + 1;
    log.error({ workerPid: worker.process.pid, code, signal, restart: crashesInARow }, `API process exited; restart #${crashesInARow}`);
    setTimeout(fork, crashesInARow > 5 ? 5_000 : 1_000).unref();
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping the API processes');
    const workers = alive();
    if (!workers.length) process.exit(0);
    for (const worker of workers) worker.process.kill('SIGTERM');
    setTimeout(() => {
      for (const worker of alive()) worker.process.kill('SIGKILL');
      process.exit(0);
    }, STOP_GRACE_MS).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  log.info({ processes: count }, 'starting the API processes');
  for (let i = 0; i < count; i++) fork();
}
