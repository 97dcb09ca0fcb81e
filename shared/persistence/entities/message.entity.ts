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

/** A tool call as the model wrote it: its id, the tool's name and the JSON text of the arguments. */
export interface StoredToolCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * An excerpt of an attached file a grounded reply was given, numbered as the model saw it ("[n]");
 * `cited` when the reply refers to that number.
 */
export interface MessageCitation {
  n: number;
  fileId: string;
  fileName: string;
  /** The chunk's ordinal in the file and its character range in the extracted text. */
  chunk: number;
  startOffset: number;
  endOffset: number;
  cited: boolean;
}

/** Markdown text, stored as written: the API never renders it to HTML. */
@Entity({ tableName: 'messages' })
@Index({ properties: ['conversation', 'createdAt'] })
export class Message {
  [OptionalProps]?: 'author' | 'parentId' | 'turnId' | 'model' | 'toolCalls' | 'toolCallId' | 'citations' | 'pinned' | 'version' | 'createdAt' | 'updatedAt' | 'deletedAt';

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

  /** An assistant message that asked for tools: the calls as the model wrote them (id, name, JSON arguments). */
  @Property({ type: 'json', nullable: true })
  toolCalls: StoredToolCall[] | null = null;

  /** A tool message: the call it answers. */
  @Property({ type: 'string', length: 100, nullable: true })
  toolCallId: string | null = null;

  /** An assistant reply grounded in the conversation's files: the excerpts it was given. */
  @Property({ type: 'json', nullable: true })
  citations: MessageCitation[] | null = null;

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
