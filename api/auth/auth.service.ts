import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Session, User, UserStatus } from '../../shared/persistence/entities';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../../shared/security/password-hasher';
import { AccessTokenService } from '../common/auth/access-token.service';
import type { Principal } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';
import { UserDto } from '../users/dto/user.dto';
import { AccountNotices } from './account-notices.service';
import type { ClientMeta } from './client-meta';
import type { CurrentSessionDto, LoginDto, LoginResultDto, RegisterDto, RegisterResultDto, TokenPairDto } from './dto/auth.dto';
import { EmailVerification } from './email-verification.service';
import { LoginRateLimiter } from './login-rate-limiter';
import { SessionIssuer } from './session-issuer.service';

@Injectable()
export class AuthService {
  constructor(
    private readonly em: EntityManager,
    private readonly sessions: SessionIssuer,
    private readonly limiter: LoginRateLimiter,
    private readonly verification: EmailVerification,
    private readonly accessTokens: AccessTokenService,
    private readonly accountNotices: AccountNotices,
  ) {}

  /**
   * A new address gets an account and a verification mail; a known one gets a mail to its owner.
   * Both answer alike and hash a password, so neither the body nor the timing tells them apart.
   */
  async register(dto: RegisterDto): Promise<RegisterResultDto> {
    const passwordHash = await hashPassword(dto.password);
    const known = await this.em.findOne(User, { email: dto.email, status: { $ne: UserStatus.Deleted } });
    if (known) {
      await this.accountNotices.registrationAttempt(known);
    } else {
      const user = this.em.create(User, { email: dto.email, name: dto.name, passwordHash });
      try {
        await this.em.flush();
        await this.verification.send(user);
      } catch (err) {
        // A concurrent registration of the same address won: answer as for a known one.
        if (!(err instanceof UniqueConstraintViolationException)) throw err;
        this.em.clear();
      }
    }
    return { message: 'Check your inbox: a message to this address says how to go on. Then log in at /auth/login.' };
  }

  async login(dto: LoginDto, client: ClientMeta): Promise<LoginResultDto> {
    await this.limiter.beforePassword(client.ip, dto.email);
    const user = await this.em.findOne(User, { email: dto.email, status: { $ne: UserStatus.Deleted } });
    const ok = user ? await verifyPassword(user.passwordHash, dto.password) : (await burnPasswordCheck(dto.password), false);
    if (!user || !ok) {
      const lockedFor = await this.limiter.passwordFailed(client.ip, dto.email);
      if (user && lockedFor) await this.accountNotices.loginLocked(user, client.ip, lockedFor);
      throw Problems.unauthorized('Invalid email or password');
    }
    await this.limiter.passwordSucceeded(client.ip, dto.email);
    return this.openSessionOrChallenge(user, client, 'password');
  }

  /** After a first factor: a session, or an MFA challenge when the account has a second factor. */
  async openSessionOrChallenge(user: User, client: ClientMeta, method: string): Promise<LoginResultDto> {
    if (user.status !== UserStatus.Active) throw Problems.forbidden('This account is suspended');
    if (user.mfaEnabled) return { mfaRequired: true, mfaToken: await this.accessTokens.signMfaChallenge(user.id) };
    return this.sessions.open(user, client, method);
  }

  refresh(refreshToken: string, client: ClientMeta): Promise<TokenPairDto> {
    return this.sessions.rotate(refreshToken, client);
  }

  async logout(principal: Principal): Promise<void> {
    if (!principal.sessionId) throw Problems.badRequest('Logout ends a login session; API keys are revoked at /users/{id}/api-keys');
    await this.sessions.revoke(principal.sessionId, 'logout');
  }

  /** Who the access token belongs to and how its session was opened. */
  async current(principal: Principal): Promise<CurrentSessionDto> {
    const user = await this.em.findOneOrFail(User, principal.userId);
    const session = principal.sessionId ? await this.em.findOne(Session, principal.sessionId) : null;
    return {
      user: UserDto.from(user),
      session: session
        ? { id: session.id, method: session.method, createdAt: session.createdAt.toISOString(), expiresAt: session.expiresAt.toISOString() }
        : null,
      apiKeyId: principal.apiKeyId ?? null,
    };
  }
}
