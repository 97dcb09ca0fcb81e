import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { User } from '../../shared/persistence/entities';
import { EmailDispatcher } from '../mail/email-dispatcher.service';
import { MailThrottle } from './mail-throttle';

/**
 * Security mails to an account's owner about what others did with their address. Throttled per
 * address and dropped silently when the budget is spent: a 429 here would tell who has an account.
 */
@Injectable()
export class AccountNotices {
  private readonly log = new Logger(AccountNotices.name);

  constructor(
    private readonly mail: EmailDispatcher,
    private readonly throttle: MailThrottle,
  ) {}

  /** Someone registered with an address that already has an account. */
  async registrationAttempt(user: User): Promise<void> {
    await this.notify(user, 'register-known', 'Someone tried to register with your address', [
      `Hello ${user.name},`,
      '',
      'Someone tried to create a new account with this email address, which already has one.',
      'If it was you: log in at POST /api/v3/auth/login, or reset your password at POST /api/v3/auth/forgot-password.',
      'If it was not you, you need do nothing; your account is unchanged.',
    ]);
  }

  /** Logins for this account from one address are paused after repeated failures. */
  async loginLocked(user: User, source: string, retryAfterSeconds: number): Promise<void> {
    await this.notify(user, 'login-locked', 'Repeated failed logins to your account', [
      `Hello ${user.name},`,
      '',
      `There were repeated failed logins to your account from ${source}.`,
      `Logins from that address are paused for ${Math.ceil(retryAfterSeconds / 60)} minute(s); logins from elsewhere are not affected.`,
      'If it was not you, consider changing your password and enabling two-factor authentication.',
    ]);
  }

  private async notify(user: User, purpose: string, subject: string, lines: string[]): Promise<void> {
    if (await this.throttle.take(purpose, user.email)) {
      this.log.warn({ userId: user.id, purpose }, 'account notice throttled');
      return;
    }
    await this.mail.send({ to: user.email, purpose, subject, text: lines.join('\n') }, randomUUID(), user.id);
  }
}
