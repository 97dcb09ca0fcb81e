import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../shared/config/app-config';
import { OneTimeTokenPurpose, User } from '../../shared/persistence/entities';
import type { Principal } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';
import { EmailDispatcher } from '../mail/email-dispatcher.service';
import { MailThrottle } from './mail-throttle';
import { OneTimeTokens, refusalDetail } from './one-time-tokens.service';

@Injectable()
export class EmailVerification {
  constructor(
    private readonly em: EntityManager,
    private readonly oneTimeTokens: OneTimeTokens,
    private readonly mail: EmailDispatcher,
    private readonly throttle: MailThrottle,
    private readonly config: AppConfig,
  ) {}

  /** Mails a fresh token; the one-time token id is the idempotency key of the send. */
  async send(user: User): Promise<void> {
    const hours = this.config.EMAIL_VERIFICATION_TTL_HOURS;
    const { id, token } = await this.oneTimeTokens.issue(user, OneTimeTokenPurpose.VerifyEmail, hours * 3_600_000);
    const text = [
      `Hello ${user.name},`,
      '',
      'Confirm your email address by sending this token to POST /api/v3/auth/verify-email:',
      '',
      `token: ${token}`,
      '',
      `It expires in ${hours} hours.`,
    ].join('\n');
    await this.mail.send({ to: user.email, purpose: 'verify-email', subject: 'Verify your email address', text }, id, user.id);
  }

  async resend(principal: Principal): Promise<void> {
    const user = await this.em.findOneOrFail(User, principal.userId);
    if (user.emailVerifiedAt) throw Problems.conflict('This email address is already verified');
    const wait = await this.throttle.take('verify-email', user.email);
    if (wait) throw Problems.tooManyRequests('Too many verification mails were sent to this address; try again later', wait);
    await this.send(user);
  }

  async verify(token: string): Promise<void> {
    const result = await this.oneTimeTokens.consume(token, OneTimeTokenPurpose.VerifyEmail);
    if ('refused' in result) throw Problems.badRequest(refusalDetail('email verification', result.refused));
    await this.em.nativeUpdate(User, { id: result.user.id, emailVerifiedAt: null }, { emailVerifiedAt: new Date() });
  }
}
