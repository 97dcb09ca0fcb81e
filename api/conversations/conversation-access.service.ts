import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Conversation } from '../../shared/persistence/entities';
import type { Principal } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';

/**
 * The one place that decides whether a conversation id is the caller's. Someone else's,
 * missing and soft-deleted all answer 404, so ids cannot be probed.
 */
@Injectable()
export class ConversationAccess {
  constructor(private readonly em: EntityManager) {}

  async owned(principal: Principal, id: string, opts: { includeDeleted?: boolean } = {}): Promise<Conversation> {
    const conversation = await this.em.findOne(Conversation, {
      id,
      owner: principal.userId,
      ...(opts.includeDeleted ? {} : { deletedAt: null }),
    });
    if (!conversation) throw Problems.notFound('Conversation');
    return conversation;
  }
}
