import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { DefaultLogger, LogEntry, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import pino from 'pino';
import { AppConfig, loadConfig } from '../shared/config/app-config';
import { WORKFLOW_BUNDLE_PATH } from '../temporal/bundle-workflows.cli';
import { parseQueueFamilies, taskQueue } from '../temporal/task-queues';
import { buildActivities } from './activities.registry';

/**
 * A worker process: serves the task-queue families named in WORKER_QUEUES.
 * `./dev up` runs one process per family; production can scale each independently.
 */
async function main() {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const log = pino({ level: config.LOG_LEVEL, base: { service: 'worker', queues: config.WORKER_QUEUES } });
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry: LogEntry) => log[entry.level === 'WARN' ? 'warn' : entry.level === 'ERROR' ? 'error' : entry.level === 'INFO' ? 'info' : 'debug'](entry.meta ?? {}, entry.message)),
  });

  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const { activities, close } = await buildActivities(config);
  // Prebuilt at build time (fast start); fall back to bundling from source when running un-built.
  const workflowSource = existsSync(WORKFLOW_BUNDLE_PATH)
    ? { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }
    : { workflowsPath: require.resolve('../workflows') };

  const INTERACTIVE_CAPACITY = { maxCachedWorkflows: 1000, maxConcurrentWorkflowTaskExecutions: 500, maxConcurrentLocalActivityExecutions: 500, maxConcurrentActivityTaskExecutions: 500 };
  const workers = await Promise.all(
    parseQueueFamilies(config.WORKER_QUEUES).map((family) =>
      Worker.create({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: taskQueue(config.TEMPORAL_TASK_QUEUE_PREFIX, family),
        ...workflowSource,
        activities,
        shutdownGraceTime: '10 seconds',
        // Cancellation reaches an activity in a heartbeat response: a short throttle makes
        // "stop" on a streaming turn take effect within half a second.
        maxHeartbeatThrottleInterval: family === 'interactive' ? '500 milliseconds' : '30 seconds',
        // A chat turn whose first step an API process streams holds a workflow task (and a local
        // activity) until that stream ends: the interactive queue needs room for many at once.
        ...(family === 'interactive' ? INTERACTIVE_CAPACITY : {}),
      }),
    ),
  );
  log.info({ taskQueues: workers.map((w) => w.options.taskQueue) }, 'worker started');
  // Runtime handles SIGINT/SIGTERM: workers drain and run() resolves.
  await Promise.all(workers.map((w) => w.run()));
  await connection.close();
  await close();
  log.info('worker stopped');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
