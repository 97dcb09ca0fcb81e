import { Entity, ManyToOne, OptionalProps, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { Conversation } from './conversation.entity';
import { Message } from './message.entity';
import { User } from './user.entity';

/** The last message a user has read in a conversation (one row per user and conversation; it only moves forward). */
@Entity({ tableName: 'read_receipts' })
export class ReadReceipt {
  [PrimaryKeyProp]?: ['user', 'conversation'];
  [OptionalProps]?: 'readAt';

  @ManyToOne(() => User, { primary: true, deleteRule: 'cascade' })
  user: User;

  @ManyToOne(() => Conversation, { primary: true, deleteRule: 'cascade' })
  conversation: Conversation;

  @ManyToOne(() => Message, { deleteRule: 'cascade' })
  message: Message;

  @Property({ type: 'timestamptz' })
  readAt: Date = new Date();
}
