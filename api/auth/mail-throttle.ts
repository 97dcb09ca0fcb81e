import { Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { InjectRedis } from '../../shared/redis/redis.module';

const MAILS_PER_HOUR = 5;

/** Caps account mails (verification, reset) per recipient, so the API cannot be used to mail-bomb someone. */
@Injectable()
export class MailThrottle {
  private readonly limiter: RateLimiterRedis;

  constructor(@InjectRedis() redis: Redis) {
    this.limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'rl:account-mail', points: MAILS_PER_HOUR, duration: 3600 });
  }

  /** Takes one mail from the recipient's budget; returns seconds to wait when it is spent, else 0. */
  async take(purpose: string, email: string): Promise<number> {
    try {
      await this.limiter.consume(`${purpose}:${email}`);
      return 0;
    } catch (res) {
      if (res instanceof RateLimiterRes) return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      throw res;
    }
  }
}
