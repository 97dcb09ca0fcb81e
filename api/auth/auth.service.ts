import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../shared/config/app-config';
import { OneTimeTokenPurpose, User, UserStatus } from '../../shared/persistence/entities';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../../shared/security/password-hasher';
import { AccessTokenService } from '../common/auth/access-token.service';
import type { Principal } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';
import { EmailDispatcher } from '../mail/email-dispatcher.service';
import { UserDto } from '../users/dto/user.dto';
import type { ClientMeta } from './client-meta';
import type { LoginDto, LoginResultDto, RegisterDto, RegisterResultDto, TokenPairDto } from './dto/auth.dto';
import { LoginRateLimiter } from './login-rate-limiter';
import { OneTimeTokens } from './one-time-tokens.service';
import { SessionIssuer } from './session-issuer.service';

@Injectable()
export class AuthService {
  constructor(
    private readonly em: EntityManager,
    private readonly sessions: SessionIssuer,
    private readonly limiter: LoginRateLimiter,
    private readonly oneTimeTokens: OneTimeTokens,
    private readonly mail: EmailDispatcher,
    private readonly accessTokens: AccessTokenService,
    private readonly config: AppConfig,
  ) {}

  async register(dto: RegisterDto, client: ClientMeta): Promise<RegisterResultDto> {
    const user = this.em.create(User, { email: dto.email, name: dto.name.trim(), passwordHash: await hashPassword(dto.password) });
    try {
      await this.em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw Problems.conflict('An account with this email already exists');
      throw err;
    }
    await this.sendVerificationEmail(user);
    const tokens = await this.sessions.open(user, client);
    return { ...tokens, user: UserDto.from(user) };
  }

  async sendVerificationEmail(user: User): Promise<void> {
    const ttlMs = this.config.EMAIL_VERIFICATION_TTL_HOURS * 3_600_000;
    const { id, token } = await this.oneTimeTokens.issue(user, OneTimeTokenPurpose.VerifyEmail, ttlMs);
    await this.mail.send(
      {
        to: user.email,
        purpose: 'verify-email',
        subject: 'Verify your email address',
        text: [
          `Hello ${user.name},`,
          '',
          `Confirm your email address by sending this token to POST /api/v3/auth/verify-email:`,
          '',
          `token: ${token}`,
          '',
          `It expires in ${this.config.EMAIL_VERIFICATION_TTL_HOURS} hours.`,
        ].join('\n'),
      },
      id,
      user.id,
    );
  }

  async login(dto: LoginDto, client: ClientMeta): Promise<LoginResultDto> {
    await this.limiter.beforeAttempt(client.ip, dto.email);
    const user = await this.em.findOne(User, { email: dto.email, status: { $ne: UserStatus.Deleted } });
    if (!user) {
      await burnPasswordCheck(dto.password);
      await this.limiter.failed(dto.email);
      throw Problems.unauthorized('Invalid email or password');
    }
    if (!(await verifyPassword(user.passwordHash, dto.password))) {
      await this.limiter.failed(dto.email);
      throw Problems.unauthorized('Invalid email or password');
    }
    await this.limiter.succeeded(dto.email);
    if (user.status === UserStatus.Suspended) throw Problems.forbidden('This account is suspended');
    if (user.mfaEnabled) return { mfaRequired: true, mfaToken: await this.accessTokens.signMfaChallenge(user.id) };
    return this.sessions.open(user, client);
  }

  refresh(refreshToken: string, client: ClientMeta): Promise<TokenPairDto> {
    return this.sessions.rotate(refreshToken, client);
  }

  async logout(principal: Principal): Promise<void> {
    if (!principal.sessionId) throw Problems.badRequest('Logout ends a login session; API keys are revoked at /users/{id}/api-keys');
    await this.sessions.revoke(principal.sessionId, 'logout');
  }
}
