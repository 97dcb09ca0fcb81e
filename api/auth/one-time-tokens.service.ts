import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { OneTimeToken, OneTimeTokenPurpose, User, UserStatus } from '../../shared/persistence/entities';
import { randomToken, sha256 } from '../../shared/security/secret-tokens';

/** Mailed, single-use, expiring tokens. Only their hash is stored. */
@Injectable()
export class OneTimeTokens {
  constructor(private readonly em: EntityManager) {}

  /** Issues a new token; earlier unused ones of the same purpose stop working. */
  async issue(user: User, purpose: OneTimeTokenPurpose, ttlMs: number): Promise<{ id: string; token: string }> {
    await this.em.nativeUpdate(OneTimeToken, { user, purpose, usedAt: null }, { usedAt: new Date() });
    const token = randomToken(32);
    const row = this.em.create(OneTimeToken, { user, purpose, tokenHash: sha256(token), expiresAt: new Date(Date.now() + ttlMs) });
    await this.em.flush();
    return { id: row.id, token };
  }

  /**
   * Marks the token used and returns its user, or undefined when it is unknown, used, expired,
   * or its user is no longer active. The conditional update makes a race consume it once.
   */
  async consume(token: string, purpose: OneTimeTokenPurpose): Promise<User | undefined> {
    const row = await this.em.findOne(OneTimeToken, { tokenHash: sha256(token), purpose }, { populate: ['user'] });
    if (!row || row.usedAt || row.expiresAt <= new Date() || row.user.status !== UserStatus.Active) return undefined;
    const claimed = await this.em.nativeUpdate(OneTimeToken, { id: row.id, usedAt: null }, { usedAt: new Date() });
    return claimed === 1 ? row.user : undefined;
  }
}
