import type { MikroORM } from '@mikro-orm/postgresql';
import { Approval, User, UserStatus } from '../../shared/persistence/entities';
import type { ApprovalInput, ApprovalOutcome } from '../../workflows/approval/approval.contract';

export interface ApprovalActivityDeps {
  orm: MikroORM;
}

/** Most deciders notified per request: a role with thousands of users is a configuration mistake. */
const MAX_NOTIFIED_DECIDERS = 200;

export function createApprovalActivities(deps: ApprovalActivityDeps) {
  return {
    /** Inserts the pending request once (a retry or a replayed start finds it). */
    async recordApproval(input: ApprovalInput & { expiresAt: string }): Promise<void> {
      await deps.orm.em
        .fork()
        .createQueryBuilder(Approval)
        .insert({
          id: input.requestId,
          kind: input.kind,
          title: input.subject.title,
          details: input.subject.details ?? null,
          requester: input.requesterId,
          deciderRoles: input.deciders.roles ?? [],
          deciderUserIds: input.deciders.userIds ?? [],
          allowSelfApproval: input.allowSelfApproval ?? false,
          status: 'pending',
          expiresAt: new Date(input.expiresAt),
          createdAt: new Date(),
        })
        .onConflict('id')
        .ignore();
    },

    /** The active users who may decide, the requester left out unless self-approval is allowed. */
    async approvalDeciders(input: Pick<ApprovalInput, 'requesterId' | 'deciders' | 'allowSelfApproval'>): Promise<string[]> {
      const roles = input.deciders.roles ?? [];
      const ids = input.deciders.userIds ?? [];
      if (!roles.length && !ids.length) return [];
      const users = await deps.orm.em.fork().find(
        User,
        { $or: [{ role: { $in: roles } }, { id: { $in: ids } }], status: UserStatus.Active, deletedAt: null },
        { fields: ['id'], orderBy: { createdAt: 'asc' }, limit: MAX_NOTIFIED_DECIDERS },
      );
      return users.map((u) => u.id).filter((id) => input.allowSelfApproval || id !== input.requesterId);
    },

    /** Writes the outcome once: only a pending row changes, so a retried write is harmless. */
    async completeApproval(outcome: ApprovalOutcome): Promise<void> {
      await deps.orm.em.fork().nativeUpdate(
        Approval,
        { id: outcome.requestId, status: 'pending' },
        {
          status: outcome.status,
          decision: outcome.decision ?? null,
          decidedBy: outcome.decidedBy ?? null,
          decidedAt: outcome.decidedAt ? new Date(outcome.decidedAt) : null,
          comment: outcome.comment ?? null,
        },
      );
    },
  };
}

export type ApprovalActivities = ReturnType<typeof createApprovalActivities>;
