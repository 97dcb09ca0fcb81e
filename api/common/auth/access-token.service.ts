import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../../../shared/config/app-config';

export interface AccessClaims {
  sub: string;
  sid: string;
  typ: 'access';
  /** Impersonation: the admin acting as `sub`. */
  imp?: string;
}

export interface MfaChallengeClaims {
  sub: string;
  typ: 'mfa';
}

const ISSUER = 'gateway-api-v3';
const MFA_CHALLENGE_TTL_SECONDS = 300;
const MAX_VERIFIED = 10_000;

/** Short-lived HS256 JWTs: access tokens (bound to a session) and MFA challenge tokens. */
@Injectable()
export class AccessTokenService {
  // A client sends the same access token on every request until it expires: its signature and claims
  // are checked once; the session it names is still checked on every request (Authenticator).
  private readonly verified = new Map<string, { claims: AccessClaims; expiresAtMs: number }>();

  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  get accessTtlSeconds(): number {
    return this.config.ACCESS_TOKEN_TTL_SECONDS;
  }

  signAccess(userId: string, sessionId: string): Promise<string> {
    const claims: AccessClaims = { sub: userId, sid: sessionId, typ: 'access' };
    return this.jwt.signAsync(claims, { expiresIn: this.config.ACCESS_TOKEN_TTL_SECONDS, issuer: ISSUER, audience: 'access' });
  }

  /** An access token for `userId` carrying the impersonating admin, valid for `ttlSeconds`. */
  signImpersonation(userId: string, sessionId: string, adminId: string, ttlSeconds: number): Promise<string> {
    const claims: AccessClaims = { sub: userId, sid: sessionId, typ: 'access', imp: adminId };
    return this.jwt.signAsync(claims, { expiresIn: ttlSeconds, issuer: ISSUER, audience: 'access' });
  }

  signMfaChallenge(userId: string): Promise<string> {
    const claims: MfaChallengeClaims = { sub: userId, typ: 'mfa' };
    return this.jwt.signAsync(claims, { expiresIn: MFA_CHALLENGE_TTL_SECONDS, issuer: ISSUER, audience: 'mfa' });
  }

  /** Returns undefined for anything that is not a valid, unexpired token of that kind. */
  async verifyAccess(token: string): Promise<AccessClaims | undefined> {
    const known = this.verified.get(token);
    if (known) {
      if (Date.now() < known.expiresAtMs) return known.claims;
      this.verified.delete(token);
    }
    const claims = await this.verify<AccessClaims & { exp?: number }>(token, 'access');
    if (claims?.exp) {
      if (this.verified.size >= MAX_VERIFIED) this.verified.clear();
      this.verified.set(token, { claims, expiresAtMs: claims.exp * 1000 });
    }
    return claims;
  }

  async verifyMfaChallenge(token: string): Promise<MfaChallengeClaims | undefined> {
    return this.verify<MfaChallengeClaims>(token, 'mfa');
  }

  private async verify<T extends { typ: string }>(token: string, audience: string): Promise<T | undefined> {
    try {
      const claims = await this.jwt.verifyAsync<T & object>(token, { issuer: ISSUER, audience, algorithms: ['HS256'] });
      return claims.typ === audience ? claims : undefined;
    } catch {
      return undefined;
    }
  }
}
