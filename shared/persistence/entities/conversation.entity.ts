import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from './user.entity';

@Entity({ tableName: 'conversations' })
@Index({ properties: ['owner', 'createdAt'] })
export class Conversation {
  [OptionalProps]?: 'title' | 'folder' | 'tags' | 'bookmarked' | 'summary' | 'model' | 'systemPrompt' | 'forkedFromId' | 'forkedAtMessageId' | 'createdAt' | 'updatedAt' | 'deletedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  owner: User;

  @Property({ type: 'string', length: 300 })
  title: string = 'New conversation';

  @Property({ type: 'string', length: 200, nullable: true })
  folder: string | null = null;

  @Property({ type: 'json' })
  tags: string[] = [];

  @Property({ type: 'boolean' })
  bookmarked = false;

  @Property({ type: 'text', nullable: true })
  summary: string | null = null;

  /** Default model for turns in this conversation (a model-registry id). */
  @Property({ type: 'string', length: 200, nullable: true })
  model: string | null = null;

  @Property({ type: 'text', nullable: true })
  systemPrompt: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  forkedFromId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  forkedAtMessageId: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  /** Soft delete: restorable until purged. */
  @Property({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null = null;
}
