import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ReadReceipt } from '../../shared/persistence/entities';

/** Last-read message per user and conversation. */
@Injectable()
export class ReadReceiptsRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Records that `userId` has read up to `messageId`, unless they had already read a later message
   * (receipts from two devices may arrive out of order). Returns the stored last-read message and
   * whether it moved.
   */
  async advance(userId: string, conversationId: string, messageId: string): Promise<{ messageId: string; advanced: boolean }> {
    const rows = await this.em.getConnection().execute<{ message_id: string }[]>(
      `insert into read_receipts (user_id, conversation_id, message_id, read_at) values (?, ?, ?, now())
       on conflict (user_id, conversation_id) do update set message_id = excluded.message_id, read_at = excluded.read_at
       where (select created_at from messages where id = excluded.message_id)
          >= (select created_at from messages where id = read_receipts.message_id)
       returning message_id`,
      [userId, conversationId, messageId],
    );
    if (rows.length) return { messageId: rows[0].message_id, advanced: true };
    return { messageId: (await this.lastRead(userId, conversationId)) ?? messageId, advanced: false };
  }

  async lastRead(userId: string, conversationId: string): Promise<string | null> {
    const row = await this.em.findOne(ReadReceipt, { user: userId, conversation: conversationId }, { fields: ['message'] });
    return row?.message.id ?? null;
  }
}
