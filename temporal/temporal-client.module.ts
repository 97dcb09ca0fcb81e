import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import { AppConfig } from '../shared/config/app-config';
import { QueueFamily, taskQueue } from './task-queues';
import { boundedTemporalConnection, TEMPORAL_CALL_DEADLINE_MS } from './temporal-connection';

export const TEMPORAL_CONNECTION = Symbol('TEMPORAL_CONNECTION');

/** A deadline on each short workflow call (not `result()`, a long poll that must outlive it). */
function deadlines(conn: Connection): WorkflowClientInterceptor {
  const bounded = <T>(call: () => Promise<T>) => conn.withDeadline(Date.now() + TEMPORAL_CALL_DEADLINE_MS, call);
  return {
    start: (input, next) => bounded(() => next(input)),
    startWithDetails: (input, next) => bounded(() => next(input)),
    signal: (input, next) => bounded(() => next(input)),
    signalWithStart: (input, next) => bounded(() => next(input)),
    query: (input, next) => bounded(() => next(input)),
    terminate: (input, next) => bounded(() => next(input)),
    cancel: (input, next) => bounded(() => next(input)),
    describe: (input, next) => bounded(() => next(input)),
  };
}

/** The Temporal client the API uses to start, signal and query workflows. */
@Injectable()
export class TemporalClient extends Client implements OnApplicationShutdown {
  constructor(
    @Inject(TEMPORAL_CONNECTION) readonly conn: Connection,
    private readonly config: AppConfig,
  ) {
    super({ connection: conn, namespace: config.TEMPORAL_NAMESPACE, interceptors: { workflow: [deadlines(conn)] } });
  }

  queue(family: QueueFamily): string {
    return taskQueue(this.config.TEMPORAL_TASK_QUEUE_PREFIX, family);
  }

  async onApplicationShutdown() {
    await this.conn.close();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: TEMPORAL_CONNECTION,
      inject: [AppConfig],
      // Lazy: the API boots (and reports Temporal down in /health) even when the server is not up yet.
      useFactory: (config: AppConfig) => boundedTemporalConnection(config.TEMPORAL_ADDRESS),
    },
    TemporalClient,
  ],
  exports: [TemporalClient],
})
export class TemporalClientModule {}
