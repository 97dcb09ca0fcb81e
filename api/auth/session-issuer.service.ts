import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../shared/config/app-config';
import { RefreshToken, Session, User, UserStatus } from '../../shared/persistence/entities';
import { randomToken, sha256 } from '../../shared/security/secret-tokens';
import { AccessTokenService } from '../common/auth/access-token.service';
import { Problems } from '../common/problem/problem.exception';
import type { ClientMeta } from './client-meta';
import type { TokenPairDto } from './dto/auth.dto';

const DAY_MS = 86_400_000;

/**
 * Sessions and their refresh-token families. A refresh token is single-use: exchanging it
 * rotates it; presenting a rotated one again means it leaked, so the whole session is revoked.
 */
@Injectable()
export class SessionIssuer {
  constructor(
    private readonly em: EntityManager,
    private readonly tokens: AccessTokenService,
    private readonly config: AppConfig,
  ) {}

  async open(user: User, client: ClientMeta, method = 'password'): Promise<TokenPairDto> {
    const session = this.em.create(Session, {
      user,
      ip: client.ip,
      userAgent: client.userAgent,
      method,
      expiresAt: new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_DAYS * DAY_MS),
    });
    const refreshToken = this.newRefreshToken(session);
    await this.em.flush();
    return this.pair(user.id, session.id, refreshToken);
  }

  async rotate(presented: string, client: ClientMeta): Promise<TokenPairDto> {
    const outcome = await this.em.transactional(async (em) => {
      // Row lock: two concurrent uses of one token cannot both succeed.
      const token = await em.findOne(RefreshToken, { tokenHash: sha256(presented) }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!token) return { error: 'The refresh token is invalid' } as const;
      const session = await em.findOneOrFail(Session, token.session.id, { populate: ['user'] });
      if (token.rotatedAt) {
        if (!session.revokedAt) Object.assign(session, { revokedAt: new Date(), revokedReason: 'refresh-token-reuse' });
        return { error: 'The refresh token was already used; the session has been revoked' } as const;
      }
      if (token.expiresAt <= new Date() || !session.isLive() || session.user.status !== UserStatus.Active) {
        return { error: 'The refresh token is expired or its session has ended' } as const;
      }
      token.rotatedAt = new Date();
      session.lastUsedAt = new Date();
      if (client.ip) session.ip = client.ip;
      const refreshToken = this.newRefreshToken(session, em);
      return { userId: session.user.id, sessionId: session.id, refreshToken } as const;
    });
    // The reuse revocation above is committed before we answer 401.
    if ('error' in outcome) throw Problems.unauthorized(outcome.error);
    return this.pair(outcome.userId, outcome.sessionId, outcome.refreshToken);
  }

  async revoke(sessionId: string, reason: string): Promise<void> {
    await this.em.nativeUpdate(Session, { id: sessionId, revokedAt: null }, { revokedAt: new Date(), revokedReason: reason });
  }

  async revokeAllOf(userId: string, reason: string, exceptSessionId?: string): Promise<number> {
    return this.em.nativeUpdate(
      Session,
      { user: userId, revokedAt: null, ...(exceptSessionId ? { id: { $ne: exceptSessionId } } : {}) },
      { revokedAt: new Date(), revokedReason: reason },
    );
  }

  private newRefreshToken(session: Session, em: EntityManager = this.em): string {
    const secret = randomToken(32);
    em.create(RefreshToken, { session, tokenHash: sha256(secret), expiresAt: session.expiresAt });
    return secret;
  }

  private async pair(userId: string, sessionId: string, refreshToken: string): Promise<TokenPairDto> {
    return {
      accessToken: await this.tokens.signAccess(userId, sessionId),
      refreshToken,
      expiresIn: this.tokens.accessTtlSeconds,
      tokenType: 'Bearer',
    };
  }
}
