import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ApiKey, UserStatus } from '../../../shared/persistence/entities';
import { RoleDirectory } from '../../../shared/governance/role-directory';
import { sha256 } from '../../../shared/security/secret-tokens';
import { AccessTokenService } from './access-token.service';
import { looksLikeApiKey } from './api-key-format';
import type { Principal } from './principal';
import { SessionCache, SessionUser } from './session-cache';

interface SessionRow {
  id: string;
  email: string;
  name: string;
  role: string;
  status: UserStatus;
  // MikroORM's driver settings return timestamps as ISO strings on raw queries.
  email_verified_at: string | null;
  mfa_enabled: boolean;
  created_at: string;
  updated_at: string;
}

// last_used_at is a hint, not an audit trail: write it at most once a minute per key.
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Turns a bearer credential into a Principal, checking on every request that the session or key
 * is live and the user active, so a revoke or suspension takes effect at once (sessions through
 * SessionCache, which every change to a session or user row invalidates).
 */
@Injectable()
export class Authenticator {
  constructor(
    private readonly em: EntityManager,
    private readonly tokens: AccessTokenService,
    private readonly roles: RoleDirectory,
    private readonly sessions: SessionCache,
  ) {}

  async authenticate(bearer: string, ip?: string): Promise<Principal | undefined> {
    return looksLikeApiKey(bearer) ? this.fromApiKey(bearer, ip) : this.fromAccessToken(bearer);
  }

  private async fromAccessToken(token: string): Promise<Principal | undefined> {
    const claims = await this.tokens.verifyAccess(token);
    if (!claims) return undefined;
    const user = this.sessions.get(claims.sid, claims.sub) ?? (await this.loadSession(claims.sid, claims.sub));
    if (!user || user.status !== UserStatus.Active) return undefined;
    // Roles and teams come from the tables, through an in-process cache the bus keeps current.
    const permissions = await this.roles.permissionsFor(user.id, user.role, { impersonated: !!claims.imp });
    return {
      userId: user.id,
      email: user.email,
      role: user.role,
      permissions,
      sessionId: claims.sid,
      account: user,
      ...(claims.imp ? { impersonatedBy: claims.imp } : {}),
    };
  }

  // A cache miss: one indexed join, without entity hydration; kept while no change raced it.
  private async loadSession(sessionId: string, userId: string): Promise<SessionUser | undefined> {
    const stamp = this.sessions.stamp;
    const [row] = await this.em.getConnection().execute<(SessionRow & { session_expires_at: string })[]>(
      `select u.id, u.email, u.name, u.role, u.status, u.email_verified_at, u.mfa_enabled, u.created_at, u.updated_at,
              s.expires_at as session_expires_at
         from sessions s join users u on u.id = s.user_id
        where s.id = ? and s.user_id = ? and s.revoked_at is null and s.expires_at > ?`,
      [sessionId, userId, new Date()],
    );
    if (!row) return undefined;
    const user: SessionUser = {
      id: row.id,
      email: row.email,
      name: row.name,
      role: row.role,
      status: row.status,
      emailVerifiedAt: row.email_verified_at === null ? null : new Date(row.email_verified_at),
      mfaEnabled: row.mfa_enabled,
      createdAt: new Date(row.created_at),
      updatedAt: new Date(row.updated_at),
    };
    this.sessions.remember(stamp, sessionId, new Date(row.session_expires_at), user);
    return user;
  }

  private async fromApiKey(key: string, ip?: string): Promise<Principal | undefined> {
    const apiKey = await this.em.findOne(ApiKey, { keyHash: sha256(key) }, { populate: ['user'] });
    if (!apiKey?.isUsable() || apiKey.user.status !== UserStatus.Active) return undefined;
    const now = Date.now();
    if (!apiKey.lastUsedAt || now - apiKey.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.em.nativeUpdate(ApiKey, { id: apiKey.id }, { lastUsedAt: new Date(now), lastUsedIp: ip ?? null });
    }
    const user = apiKey.user;
    return {
      userId: user.id,
      email: user.email,
      role: user.role,
      permissions: await this.roles.permissionsFor(user.id, user.role, { scopes: apiKey.scopes }),
      apiKeyId: apiKey.id,
    };
  }
}
