import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../shared/config/app-config';
import { MfaRecoveryCode, User, UserStatus } from '../../../shared/persistence/entities';
import { verifyPassword } from '../../../shared/security/password-hasher';
import { SecretBox } from '../../../shared/security/secret-box';
import { AccessTokenService } from '../../common/auth/access-token.service';
import type { Principal } from '../../common/auth/principal';
import { Problems } from '../../common/problem/problem.exception';
import type { ClientMeta } from '../client-meta';
import type { TokenPairDto } from '../dto/auth.dto';
import type { MfaEnabledDto, MfaEnrollmentDto, MfaVerifyDto, MfaVerifyResultDto } from '../dto/mfa.dto';
import { LoginRateLimiter } from '../login-rate-limiter';
import { SessionIssuer } from '../session-issuer.service';
import { hashRecoveryCode, looksLikeTotp, newRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-codes';
import { matchTotpStep, newTotpSeed, otpauthUrl } from './totp';

/** TOTP second factor: enrolment, confirmation with recovery codes, login completion, removal. */
@Injectable()
export class MfaService {
  private readonly box: SecretBox;

  constructor(
    private readonly em: EntityManager,
    private readonly sessions: SessionIssuer,
    private readonly limiter: LoginRateLimiter,
    private readonly accessTokens: AccessTokenService,
    config: AppConfig,
  ) {
    this.box = new SecretBox(config.DATA_ENCRYPTION_KEY);
  }

  /** POST /auth/mfa/verify: finishes a login when given an mfaToken, else confirms the caller's enrolment. */
  async verify(principal: Principal | undefined, dto: MfaVerifyDto, client: ClientMeta): Promise<MfaVerifyResultDto> {
    if (dto.mfaToken) return this.completeLogin(dto.mfaToken, dto.code, client);
    if (!principal) throw Problems.unauthorized('Send an mfaToken (finishing a login) or an access token (confirming MFA enrolment)');
    return this.confirm(principal, dto.code, client);
  }

  /** Offers a new seed; it takes effect only once a code from it is confirmed. */
  async enable(principal: Principal): Promise<MfaEnrollmentDto> {
    const user = await this.em.findOneOrFail(User, principal.userId);
    if (user.mfaEnabled) throw Problems.conflict('MFA is already enabled; disable it before enrolling a new authenticator');
    const seed = newTotpSeed();
    user.mfaPendingSecretEnc = this.box.seal(seed);
    await this.em.flush();
    return { secret: seed, otpauthUrl: otpauthUrl(seed, user.email) };
  }

  async confirm(principal: Principal, code: string, client: ClientMeta): Promise<MfaEnabledDto> {
    const user = await this.em.findOneOrFail(User, principal.userId);
    if (user.mfaEnabled) throw Problems.conflict('MFA is already enabled');
    if (!user.mfaPendingSecretEnc) throw Problems.conflict('No MFA enrolment is pending; call POST /auth/mfa/enable first');
    const key = LoginRateLimiter.secondFactorKey(user.id);
    await this.limiter.beforeAttempt(client.ip, key);
    if (!(await this.acceptTotp(user, this.box.open(user.mfaPendingSecretEnc), code))) {
      await this.limiter.failed(key);
      throw Problems.badRequest('The code does not match the new authenticator (or was already used); try the next one');
    }
    await this.limiter.succeeded(key);
    const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await this.em.transactional(async (em) => {
      await em.nativeDelete(MfaRecoveryCode, { user: user.id });
      for (const c of recoveryCodes) em.create(MfaRecoveryCode, { user: user.id, codeHash: hashRecoveryCode(c) });
      await em.nativeUpdate(User, { id: user.id }, { mfaEnabled: true, mfaSecretEnc: user.mfaPendingSecretEnc, mfaPendingSecretEnc: null });
    });
    return { enabled: true, recoveryCodes };
  }

  /** Second step of a login: the challenge from /auth/login plus a TOTP or recovery code. */
  async completeLogin(mfaToken: string, code: string, client: ClientMeta): Promise<TokenPairDto> {
    const claims = await this.accessTokens.verifyMfaChallenge(mfaToken);
    const user = claims && (await this.em.findOne(User, claims.sub));
    if (!user || user.status !== UserStatus.Active || !user.mfaEnabled) {
      throw Problems.unauthorized('The MFA token is invalid or expired; log in again');
    }
    const key = LoginRateLimiter.secondFactorKey(user.id);
    await this.limiter.beforeAttempt(client.ip, key);
    if (!(await this.acceptSecondFactor(user, code))) {
      await this.limiter.failed(key);
      throw Problems.unauthorized('The code is invalid or was already used');
    }
    await this.limiter.succeeded(key);
    return this.sessions.open(user, client, 'mfa');
  }

  async disable(principal: Principal, password: string, code: string, client: ClientMeta): Promise<void> {
    const user = await this.em.findOneOrFail(User, principal.userId);
    if (!user.mfaEnabled) throw Problems.conflict('MFA is not enabled');
    const key = LoginRateLimiter.secondFactorKey(user.id);
    await this.limiter.beforeAttempt(client.ip, key);
    // The password first, so a wrong one never burns a recovery code.
    if (!(await verifyPassword(user.passwordHash, password)) || !(await this.acceptSecondFactor(user, code))) {
      await this.limiter.failed(key);
      throw Problems.forbidden('The password or the code is wrong');
    }
    await this.limiter.succeeded(key);
    await this.em.transactional(async (em) => {
      await em.nativeDelete(MfaRecoveryCode, { user: user.id });
      await em.nativeUpdate(User, { id: user.id }, { mfaEnabled: false, mfaSecretEnc: null, mfaPendingSecretEnc: null });
    });
  }

  private async acceptSecondFactor(user: User, code: string): Promise<boolean> {
    if (looksLikeTotp(code)) return user.mfaSecretEnc !== null && this.acceptTotp(user, this.box.open(user.mfaSecretEnc), code);
    const used = await this.em.nativeUpdate(
      MfaRecoveryCode,
      { user: user.id, codeHash: hashRecoveryCode(code), usedAt: null },
      { usedAt: new Date() },
    );
    return used === 1;
  }

  /** Accepts a code only for a step after the last accepted one; the conditional update settles races. */
  private async acceptTotp(user: User, seed: string, code: string): Promise<boolean> {
    const step = matchTotpStep(seed, code);
    if (step === undefined) return false;
    const claimed = await this.em.nativeUpdate(
      User,
      { id: user.id, $or: [{ mfaLastStep: null }, { mfaLastStep: { $lt: String(step) } }] },
      { mfaLastStep: String(step) },
    );
    return claimed === 1;
  }
}
