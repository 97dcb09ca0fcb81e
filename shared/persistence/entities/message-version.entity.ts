import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Message } from './message.entity';

/** A message's earlier text, kept when it is edited. */
@Entity({ tableName: 'message_versions' })
export class MessageVersion {
  [OptionalProps]?: 'editedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Message, { deleteRule: 'cascade' })
  @Index()
  message: Message;

  @Property({ type: 'integer' })
  version: number;

  @Property({ type: 'text' })
  content: string;

  /** When this text was replaced. */
  @Property({ type: 'timestamptz' })
  editedAt: Date = new Date();
}
