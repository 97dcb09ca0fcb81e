import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { User, UserIdentity, UserStatus } from '../../../shared/persistence/entities';
import { Problems } from '../../common/problem/problem.exception';

export interface OidcClaims {
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  name?: unknown;
}

/**
 * Maps a provider identity to a local user. An existing account is linked only when both sides
 * have verified the email: otherwise whoever registered an address first (without owning it)
 * could take over the account of the person who later signs in with it.
 */
@Injectable()
export class OidcAccounts {
  constructor(private readonly em: EntityManager) {}

  async resolve(provider: string, claims: OidcClaims): Promise<User> {
    const known = await this.em.findOne(UserIdentity, { provider, subject: claims.sub }, { populate: ['user'] });
    if (known) return this.usable(known.user);

    const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
    if (!email) throw Problems.badRequest(`The identity provider "${provider}" did not share an email address (scope "email")`);
    const verified = claims.email_verified === true;
    const existing = await this.em.findOne(User, { email });
    if (existing) {
      if (!verified) throw Problems.conflict('An account with this email exists, and the identity provider has not verified the email, so it cannot be linked');
      if (!existing.emailVerifiedAt) {
        throw Problems.conflict('An account with this email exists but its email is not verified; log in with the password and verify the email first');
      }
      this.usable(existing);
      return this.link(existing, provider, claims.sub, email);
    }
    const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim().slice(0, 200) : email.split('@')[0];
    const user = this.em.create(User, { email, name, passwordHash: null, emailVerifiedAt: verified ? new Date() : null });
    return this.link(user, provider, claims.sub, email);
  }

  private async link(user: User, provider: string, subject: string, email: string): Promise<User> {
    this.em.create(UserIdentity, { user, provider, subject, email });
    try {
      await this.em.flush();
    } catch (err) {
      // Two first logins racing: the loser asks the user to retry rather than failing with 500.
      if (err instanceof UniqueConstraintViolationException) throw Problems.conflict('This identity was linked by a concurrent sign-in; try again');
      throw err;
    }
    return user;
  }

  private usable(user: User): User {
    if (user.status !== UserStatus.Active) throw Problems.forbidden('This account is suspended or deleted');
    return user;
  }
}
