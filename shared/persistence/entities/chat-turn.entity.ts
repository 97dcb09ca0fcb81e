import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Conversation } from './conversation.entity';
import { User } from './user.entity';

export enum TurnStatus {
  Running = 'running',
  Completed = 'completed',
  Failed = 'failed',
  Cancelled = 'cancelled',
}

/** One chat turn = one `chat-turn:<id>` workflow. The idempotency key never starts two turns. */
@Entity({ tableName: 'chat_turns' })
@Unique({ properties: ['user', 'idempotencyKey'] })
export class ChatTurn {
  [OptionalProps]?: 'status' | 'assistantMessageId' | 'idempotencyKey' | 'error' | 'createdAt' | 'completedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  @Index()
  user: User;

  @ManyToOne(() => Conversation, { deleteRule: 'cascade' })
  @Index()
  conversation: Conversation;

  @Property({ type: 'uuid' })
  userMessageId: string;

  @Property({ type: 'uuid', nullable: true })
  assistantMessageId: string | null = null;

  @Property({ type: 'string', length: 200 })
  model: string;

  @Enum({ items: () => TurnStatus, type: 'string' })
  status: TurnStatus = TurnStatus.Running;

  @Property({ type: 'string', length: 200, nullable: true })
  idempotencyKey: string | null = null;

  @Property({ type: 'text', nullable: true })
  error: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  completedAt: Date | null = null;
}
