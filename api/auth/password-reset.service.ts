import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../shared/config/app-config';
import { OneTimeTokenPurpose, User, UserStatus } from '../../shared/persistence/entities';
import { hashPassword } from '../../shared/security/password-hasher';
import { Problems } from '../common/problem/problem.exception';
import { EmailDispatcher } from '../mail/email-dispatcher.service';
import type { ForgotPasswordResultDto } from './dto/auth.dto';
import { MailThrottle } from './mail-throttle';
import { OneTimeTokens, refusalDetail } from './one-time-tokens.service';
import { SessionIssuer } from './session-issuer.service';

@Injectable()
export class PasswordReset {
  private readonly logger = new Logger(PasswordReset.name);

  constructor(
    private readonly em: EntityManager,
    private readonly oneTimeTokens: OneTimeTokens,
    private readonly mail: EmailDispatcher,
    private readonly throttle: MailThrottle,
    private readonly sessions: SessionIssuer,
    private readonly config: AppConfig,
  ) {}

  /**
   * Mails a reset token when an active account has this email. The caller always answers 202,
   * whatever happened here, so the route cannot be used to find out who has an account.
   */
  async request(email: string): Promise<ForgotPasswordResultDto> {
    const user = await this.em.findOne(User, { email, status: UserStatus.Active });
    if (user) await this.mailToken(user);
    return { message: 'If an active account has this email, a reset token is on its way' };
  }

  private async mailToken(user: User): Promise<void> {
    if (await this.throttle.take('reset-password', user.email)) {
      this.logger.warn({ userId: user.id }, 'password reset mail throttled');
      return;
    }
    const minutes = this.config.PASSWORD_RESET_TTL_MINUTES;
    const { id, token } = await this.oneTimeTokens.issue(user, OneTimeTokenPurpose.ResetPassword, minutes * 60_000);
    const text = [
      `Hello ${user.name},`,
      '',
      'Someone asked to reset the password of your account. If it was you, send this token with',
      'your new password to POST /api/v3/auth/reset-password:',
      '',
      `token: ${token}`,
      '',
      `It expires in ${minutes} minutes. If it was not you, ignore this mail; your password is unchanged.`,
    ].join('\n');
    await this.mail.send({ to: user.email, purpose: 'reset-password', subject: 'Reset your password', text }, id, user.id);
  }

  /** Sets the new password and ends every session of the account: whoever knew the old one is out. */
  async reset(token: string, password: string): Promise<void> {
    const result = await this.oneTimeTokens.consume(token, OneTimeTokenPurpose.ResetPassword);
    if ('refused' in result) throw Problems.badRequest(refusalDetail('password reset', result.refused));
    const user = result.user;
    await this.em.nativeUpdate(User, { id: user.id }, { passwordHash: await hashPassword(password), updatedAt: new Date() });
    await this.sessions.revokeAllOf(user.id, 'password-reset');
  }
}
