import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';

export const REDIS = Symbol('REDIS');
export const InjectRedis = () => Inject(REDIS);

@Injectable()
class RedisShutdown implements OnApplicationShutdown {
  constructor(@InjectRedis() private readonly redis: Redis) {}
  async onApplicationShutdown() {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * A request waits at most this long for Redis (then 503): while Redis is away, queued commands fail
 * in bounded time instead of hanging. Blocking reads (XREAD BLOCK) get a connection without it.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;

/** One shared command connection per process (blocking reads get their own elsewhere). */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true, connectionName: 'gateway', commandTimeout: REDIS_COMMAND_TIMEOUT_MS }),
    },
    RedisShutdown,
  ],
  exports: [REDIS],
})
export class RedisModule {}
