import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { User } from './user.entity';

/** An in-app notification. The id is the notify workflow's (`notify:<id>`), so a retried store inserts once. */
@Entity({ tableName: 'notifications' })
@Index({ properties: ['user', 'createdAt', 'id'] })
export class Notification {
  [OptionalProps]?: 'link' | 'data' | 'readAt' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user: User;

  @Property({ type: 'string', length: 32 })
  category: string;

  @Property({ type: 'string', length: 200 })
  title: string;

  @Property({ type: 'text' })
  body: string;

  @Property({ type: 'string', length: 2048, nullable: true })
  link: string | null = null;

  @Property({ type: 'json', nullable: true })
  data: Record<string, unknown> | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  readAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

/** A user's channel choice for one category; no row means the category's defaults. */
@Entity({ tableName: 'notification_preferences' })
export class NotificationPreference {
  [PrimaryKeyProp]?: ['user', 'category'];
  [OptionalProps]?: 'updatedAt';

  @ManyToOne(() => User, { primary: true, deleteRule: 'cascade' })
  user: User;

  @PrimaryKey({ type: 'string', length: 32 })
  category: string;

  @Property({ type: 'boolean' })
  inApp: boolean;

  @Property({ type: 'boolean' })
  email: boolean;

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
