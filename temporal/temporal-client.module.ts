import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { AppConfig } from '../shared/config/app-config';
import { QueueFamily, taskQueue } from './task-queues';

export const TEMPORAL_CONNECTION = Symbol('TEMPORAL_CONNECTION');

/** The Temporal client the API uses to start, signal and query workflows. */
@Injectable()
export class TemporalClient extends Client implements OnApplicationShutdown {
  constructor(
    @Inject(TEMPORAL_CONNECTION) readonly conn: Connection,
    private readonly config: AppConfig,
  ) {
    super({ connection: conn, namespace: config.TEMPORAL_NAMESPACE });
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
      useFactory: (config: AppConfig) => Connection.lazy({ address: config.TEMPORAL_ADDRESS }),
    },
    TemporalClient,
  ],
  exports: [TemporalClient],
})
export class TemporalClientModule {}
