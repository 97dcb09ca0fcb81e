import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { InjectRedis } from '../redis/redis.module';

const CHANNEL = 'gateway:governance';

/** What changed: each process drops or reloads its in-process copy. */
export type GovernanceTopic = 'roles' | 'policies' | 'config' | 'maintenance' | 'caches';

type Handler = (payload: unknown) => void | Promise<void>;

/**
 * Fan-out of governance changes (roles, teams, policies, settings, maintenance) to every API process
 * over one Redis pub/sub connection per process. The publishing process applies the change at once,
 * the others within the pub/sub delay (milliseconds), so caches stay cheap and correct.
 */
@Injectable()
export class GovernanceBus implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger(GovernanceBus.name);
  private readonly origin = randomUUID();
  private readonly handlers = new Map<GovernanceTopic, Handler[]>();
  private subscriber?: Redis;

  constructor(@InjectRedis() private readonly redis: Redis) {}

  async onModuleInit() {
    this.subscriber = this.redis.duplicate({ connectionName: 'gateway-governance' });
    this.subscriber.on('message', (_channel, raw: string) => {
      try {
        const msg = JSON.parse(raw) as { origin: string; topic: GovernanceTopic; payload: unknown };
        if (msg.origin !== this.origin) void this.dispatch(msg.topic, msg.payload);
      } catch (err) {
        this.log.warn({ err }, 'ignoring a malformed governance message');
      }
    });
    // Reconnects re-subscribe by themselves (ioredis autoResubscribe).
    await this.subscriber.subscribe(CHANNEL);
  }

  async onApplicationShutdown() {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  on(topic: GovernanceTopic, handler: Handler): void {
    this.handlers.set(topic, [...(this.handlers.get(topic) ?? []), handler]);
  }

  /** Applies locally first (the caller's next request sees it), then tells the other processes. */
  async publish(topic: GovernanceTopic, payload: unknown = null): Promise<void> {
    await this.dispatch(topic, payload);
    await this.redis.publish(CHANNEL, JSON.stringify({ origin: this.origin, topic, payload }));
  }

  private async dispatch(topic: GovernanceTopic, payload: unknown): Promise<void> {
    for (const handler of this.handlers.get(topic) ?? []) {
      try {
        await handler(payload);
      } catch (err) {
        this.log.error({ err, topic }, 'governance handler failed');
      }
    }
  }
}
