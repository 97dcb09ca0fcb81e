import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from './user.entity';

/** Tokens and cost of one billable unit of work; `sourceId` (turn or run id) is unique: billed once. */
@Entity({ tableName: 'usage_records' })
@Index({ properties: ['user', 'createdAt'] })
export class UsageRecord {
  [OptionalProps]?: 'createdAt' | 'conversationId';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 100, unique: true })
  sourceId: string;

  /** chat-turn, tool-run, workflow-step… */
  @Property({ type: 'string', length: 40 })
  kind: string;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user: User;

  @Property({ type: 'uuid', nullable: true })
  conversationId: string | null = null;

  @Property({ type: 'string', length: 200 })
  model: string;

  @Property({ type: 'string', length: 100 })
  provider: string;

  @Property({ type: 'integer' })
  inputTokens: number;

  @Property({ type: 'integer' })
  outputTokens: number;

  /** USD, exact decimal (string in JS to avoid float rounding). */
  @Property({ type: 'decimal', precision: 18, scale: 8 })
  costUsd: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
