import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Conversation } from './conversation.entity';
import { User } from './user.entity';

export enum MessageRole {
  System = 'system',
  User = 'user',
  Assistant = 'assistant',
  Tool = 'tool',
}

/** Markdown text, stored as written: the API never renders it to HTML. */
@Entity({ tableName: 'messages' })
@Index({ properties: ['conversation', 'createdAt'] })
export class Message {
  [OptionalProps]?: 'author' | 'parentId' | 'turnId' | 'model' | 'pinned' | 'version' | 'createdAt' | 'updatedAt' | 'deletedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Conversation, { deleteRule: 'cascade' })
  conversation: Conversation;

  /** The user who wrote it; null for assistant, system and tool messages. */
  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  author: User | null = null;

  @Enum({ items: () => MessageRole, type: 'string' })
  role: MessageRole;

  @Property({ type: 'text' })
  content: string;

  /** Thread: the message this one replies to. */
  @Property({ type: 'uuid', nullable: true })
  @Index()
  parentId: string | null = null;

  /** The chat turn that produced (assistant) or started (user) this message. */
  @Property({ type: 'uuid', nullable: true })
  turnId: string | null = null;

  @Property({ type: 'string', length: 200, nullable: true })
  model: string | null = null;

  @Property({ type: 'boolean' })
  pinned = false;

  /** Bumped on each edit; earlier texts live in message_versions. */
  @Property({ type: 'integer' })
  version = 1;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null = null;
}
