import { Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { InjectRedis } from '../../../shared/redis/redis.module';

/** What the callback needs to check the provider's answer belongs to the redirect we made. */
export interface PendingAuthorization {
  provider: string;
  codeVerifier: string;
  nonce: string;
}

const TTL_SECONDS = 600;
const key = (state: string) => `oauth:state:${state}`;

/** PKCE verifier and nonce per `state`, in Redis for 10 minutes and readable once. */
@Injectable()
export class OAuthStateStore {
  constructor(@InjectRedis() private readonly redis: Redis) {}

  async put(state: string, pending: PendingAuthorization): Promise<void> {
    await this.redis.set(key(state), JSON.stringify(pending), 'EX', TTL_SECONDS);
  }

  /** GETDEL: a state (and so an authorization code flow) completes at most once. */
  async take(state: string): Promise<PendingAuthorization | undefined> {
    const raw = await this.redis.getdel(key(state));
    return raw ? (JSON.parse(raw) as PendingAuthorization) : undefined;
  }
}
