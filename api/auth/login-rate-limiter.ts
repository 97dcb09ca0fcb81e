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

/** The first lock of an (account, source) pair; each further one doubles, up to the window. */
const FIRST_LOCK_SECONDS = 60;

/**
 * Login throttling in Redis. Passwords: failures are counted per account *and* source (IP or IPv6
 * /64), so a stranger who knows an email cannot lock its owner out; a pair that keeps failing is
 * locked for a growing delay (1 min, 2, 4 … up to the window). Attempts per source are capped on
 * top, which bounds guessing from any one place. Second factors (the caller already has the
 * password): failures are counted per account, from anywhere. Exceeding any gives 429 + Retry-After.
 */
@Injectable()
export class LoginRateLimiter {
  private readonly perIp: RateLimiterRedis;
  private readonly perAccount: RateLimiterRedis;
  private readonly perAccountSource: RateLimiterRedis;
  /** How many times a pair was locked lately: the exponent of its next delay. */
  private readonly lockouts: RateLimiterRedis;
  private readonly maxLockSeconds: number;

  constructor(@InjectRedis() redis: Redis, config: AppConfig) {
    const duration = config.LOGIN_RATE_LIMIT_WINDOW_SECONDS;
    const failures = config.LOGIN_RATE_LIMIT_PER_ACCOUNT;
    this.maxLockSeconds = duration;
    this.perIp = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'rl:login:ip', points: config.LOGIN_RATE_LIMIT_PER_IP, duration });
    this.perAccount = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'rl:login:account', points: failures, duration });
    this.perAccountSource = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'rl:login:account-source', points: failures, duration });
    this.lockouts = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'rl:login:lockouts', points: 1_000, duration: 24 * 3600 });
  }

  private static pair(ip: string, email: string): string {
    return `${email}|${ipBucket(ip)}`;
  }

  private async consumeIp(ip: string): Promise<void> {
    try {
      await this.perIp.consume(ipBucket(ip));
    } catch (res) {
      if (res instanceof RateLimiterRes) throw Problems.tooManyRequests('Too many login attempts from this address; try again later', res.msBeforeNext / 1000);
      throw res;
    }
  }

  /** Call before checking a password. */
  async beforePassword(ip: string, email: string): Promise<void> {
    const state = await this.perAccountSource.get(LoginRateLimiter.pair(ip, email));
    if (state && state.remainingPoints <= 0) {
      throw Problems.tooManyRequests('Too many failed logins for this account from this address; try again later', state.msBeforeNext / 1000);
    }
    await this.consumeIp(ip);
  }

  /** A wrong password: the seconds this pair is now locked for (0 while under the limit). */
  async passwordFailed(ip: string, email: string): Promise<number> {
    const key = LoginRateLimiter.pair(ip, email);
    const res = await this.perAccountSource.penalty(key, 1);
    if (res.remainingPoints > 0) return 0;
    const locks = (await this.lockouts.penalty(key, 1)).consumedPoints;
    const seconds = Math.min(FIRST_LOCK_SECONDS * 2 ** Math.min(locks - 1, 20), this.maxLockSeconds);
    await this.perAccountSource.block(key, seconds);
    return seconds;
  }

  async passwordSucceeded(ip: string, email: string): Promise<void> {
    const key = LoginRateLimiter.pair(ip, email);
    await Promise.all([this.perAccountSource.delete(key), this.lockouts.delete(key)]);
  }

  /** Call before checking a second factor (account = secondFactorKey); counted from anywhere. */
  async beforeAttempt(ip: string, account: string): Promise<void> {
    const blocked = await this.perAccount.get(account);
    if (blocked && blocked.remainingPoints <= 0) {
      throw Problems.tooManyRequests('Too many failed logins for this account; try again later', blocked.msBeforeNext / 1000);
    }
    await this.consumeIp(ip);
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
