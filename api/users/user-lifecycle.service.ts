import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { BuiltInRole } from '../../shared/domain/roles';
import { ApiKey, OneTimeToken, Session, User, UserIdentity, UserStatus } from '../../shared/persistence/entities';
import { Problems } from '../common/problem/problem.exception';

// One lock for every change that can remove an admin, so two admins cannot demote each other at once.
const ADMIN_SET_LOCK = 'select pg_advisory_xact_lock(hashtext(?))';

/** Changes to whether a user can get in: admin-set safety, revocations, soft deletion. */
@Injectable()
export class UserLifecycle {
  constructor(private readonly em: EntityManager) {}

  /** Runs `fn` in a transaction holding the admin-set lock. */
  withAdminSetLock<T>(fn: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.em.transactional(async (em) => {
      await em.execute(ADMIN_SET_LOCK, ['users:admin-set']);
      return fn(em);
    });
  }

  /** 409 when `user` is an active admin and no other active admin would remain. */
  async assertNotLastAdmin(em: EntityManager, user: User): Promise<void> {
    if (user.role !== BuiltInRole.Admin || user.status !== UserStatus.Active) return;
    const others = await em.count(User, { role: BuiltInRole.Admin, status: UserStatus.Active, id: { $ne: user.id } });
    if (others === 0) throw Problems.conflict('This is the last active admin; promote another admin first');
  }

  async revokeSessions(em: EntityManager, userId: string, reason: string, exceptSessionId?: string): Promise<number> {
    return em.nativeUpdate(
      Session,
      { user: userId, revokedAt: null, ...(exceptSessionId ? { id: { $ne: exceptSessionId } } : {}) },
      { revokedAt: new Date(), revokedReason: reason },
    );
  }

  /** Revoked, not hidden: a key of a suspended user must not work again after reactivation. */
  async revokeApiKeys(em: EntityManager, userId: string, at = new Date()): Promise<number> {
    return em.nativeUpdate(ApiKey, { user: userId, revokedAt: null }, { revokedAt: at });
  }

  /**
   * Soft delete: the row stays (ownership of past data), but nothing about the person does,
   * and the address is freed so it can register again.
   */
  async softDelete(em: EntityManager, user: User): Promise<void> {
    const now = new Date();
    Object.assign(user, {
      status: UserStatus.Deleted,
      deletedAt: now,
      email: `deleted-${user.id}@deleted.invalid`,
      name: 'Deleted user',
      passwordHash: null,
      emailVerifiedAt: null,
      mfaEnabled: false,
      mfaSecretEnc: null,
      mfaPendingSecretEnc: null,
      mfaLastStep: null,
    });
    await em.flush();
    await this.revokeSessions(em, user.id, 'user-deleted');
    await this.revokeApiKeys(em, user.id, now);
    await em.nativeUpdate(OneTimeToken, { user: user.id, usedAt: null }, { usedAt: now });
    await em.nativeDelete(UserIdentity, { user: user.id });
  }
}
