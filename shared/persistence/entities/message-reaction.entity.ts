import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Message } from './message.entity';
import { User } from './user.entity';

@Entity({ tableName: 'message_reactions' })
@Unique({ properties: ['message', 'user', 'emoji'] })
export class MessageReaction {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Message, { deleteRule: 'cascade' })
  @Index()
  message: Message;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user: User;

  @Property({ type: 'string', length: 32 })
  emoji: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
