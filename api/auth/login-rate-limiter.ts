import { Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppConfig } from '../../shared/config/app-config';
import { InjectRedis } from '../../shared/redis/redis.module';
import { Problems } from '../common/problem/problem.exception';

/**
 * The per-IP key: an IPv4 address, or the /64 of an IPv6 one (one subscriber usually holds a whole
 * /64, so keying on the full address would give an attacker 2^64 fresh budgets).
 */
export function ipBucket(ip: string): string {
  if (ip.startsWith('::ffff:') && ip.includes('.')) return ip.slice(7);
  if (!ip.includes(':')) return ip;
  const [head, tail] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => parseInt(g || '0', 16).toString(16)).join(':')}::/64`;
}

/**
 * Login throttling in Redis: attempts per client IP, and failed attempts per account
 * (so a password cannot be guessed from many IPs). Exceeding either gives 429 + Retry-After.
 */
@Injectable()
export class LoginRateLimiter {
  private readonly perIp: RateLimiterRedis;
  private readonly perAccount: RateLimiterRedis;

  constructor(@InjectRedis() redis: Redis, config: AppConfig) {
    const duration = config.LOGIN_RATE_LIMIT_WINDOW_SECONDS;
    this.perIp = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'rl:login:ip', points: config.LOGIN_RATE_LIMIT_PER_IP, duration });
    this.perAccount = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'rl:login:account', points: config.LOGIN_RATE_LIMIT_PER_ACCOUNT, duration });
  }

  /**
   * Call before checking a password (account = the email) or a second factor (account =
   * secondFactorKey): a correct password must not reset the count of wrong MFA codes.
   */
  async beforeAttempt(ip: string, account: string): Promise<void> {
    const blocked = await this.perAccount.get(account);
    if (blocked && blocked.remainingPoints <= 0) {
      throw Problems.tooManyRequests('Too many failed logins for this account; try again later', blocked.msBeforeNext / 1000);
    }
    try {
      await this.perIp.consume(ipBucket(ip));
    } catch (res) {
      if (res instanceof RateLimiterRes) throw Problems.tooManyRequests('Too many login attempts from this address; try again later', res.msBeforeNext / 1000);
      throw res;
    }
  }

  static secondFactorKey(userId: string): string {
    return `mfa:${userId}`;
  }

  async failed(account: string): Promise<void> {
    await this.perAccount.penalty(account, 1);
  }

  async succeeded(account: string): Promise<void> {
    await this.perAccount.delete(account);
  }
}
