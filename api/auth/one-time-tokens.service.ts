import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { OneTimeToken, OneTimeTokenPurpose, User, UserStatus } from '../../shared/persistence/entities';
import { randomToken, sha256 } from '../../shared/security/secret-tokens';

/** Why a token was refused: callers turn it into a problem detail the user can act on. */
export type TokenRefusal = 'unknown' | 'used' | 'expired';

export type ConsumeResult = { user: User } | { refused: TokenRefusal };

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
   * Marks the token used and returns its user. A token whose user is no longer active counts as
   * unknown. The conditional update makes a race consume it once.
   */
  async consume(token: string, purpose: OneTimeTokenPurpose): Promise<ConsumeResult> {
    const row = await this.em.findOne(OneTimeToken, { tokenHash: sha256(token), purpose }, { populate: ['user'] });
    if (!row || row.user.status !== UserStatus.Active) return { refused: 'unknown' };
    if (row.usedAt) return { refused: 'used' };
    if (row.expiresAt <= new Date()) return { refused: 'expired' };
    const claimed = await this.em.nativeUpdate(OneTimeToken, { id: row.id, usedAt: null }, { usedAt: new Date() });
    return claimed === 1 ? { user: row.user } : { refused: 'used' };
  }
}

const REFUSAL_DETAIL: Record<TokenRefusal, string> = {
  unknown: 'is not valid',
  used: 'has already been used (or a newer one was issued)',
  expired: 'has expired; ask for a new one',
};

/** "The password reset token has expired; ask for a new one". */
export function refusalDetail(what: string, refusal: TokenRefusal): string {
  return `The ${what} token ${REFUSAL_DETAIL[refusal]}`;
}
