import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Message, MessageReaction, User } from '../../shared/persistence/entities';
import type { ReactionDto, ReactionResultDto } from './dto/message.dto';

/** One reaction per (message, user, emoji); shown aggregated per emoji, in order of first use. */
@Injectable()
export class MessageReactions {
  constructor(private readonly em: EntityManager) {}

  async toggle(userId: string, message: Message, emoji: string): Promise<ReactionResultDto> {
    const removed = await this.em.nativeDelete(MessageReaction, { message: message.id, user: userId, emoji });
    let reacted = false;
    if (!removed) {
      try {
        // A fresh instance (not em.create) so a failed insert leaves nothing queued for the next flush.
        const reaction = Object.assign(new MessageReaction(), { message, user: this.em.getReference(User, userId), emoji });
        await this.em.insert(reaction);
        reacted = true;
      } catch (err) {
        // A concurrent identical toggle got there first: the reaction is there either way.
        if (!(err instanceof UniqueConstraintViolationException)) throw err;
        reacted = true;
      }
    }
    const reactions = (await this.aggregate(userId, [message.id])).get(message.id) ?? [];
    return { emoji, reacted, reactions };
  }

  async aggregate(userId: string, messageIds: string[]): Promise<Map<string, ReactionDto[]>> {
    const byMessage = new Map<string, ReactionDto[]>();
    if (!messageIds.length) return byMessage;
    const rows: { message_id: string; emoji: string; n: number; mine: boolean }[] = await this.em.getConnection().execute(
      `select message_id, emoji, count(*)::int as n, bool_or(user_id = ?) as mine
         from message_reactions where message_id in (${messageIds.map(() => '?').join(', ')})
        group by message_id, emoji order by min(created_at), emoji`,
      [userId, ...messageIds],
    );
    for (const r of rows) {
      const list = byMessage.get(r.message_id) ?? [];
      list.push({ emoji: r.emoji, count: r.n, mine: r.mine });
      byMessage.set(r.message_id, list);
    }
    return byMessage;
  }
}
