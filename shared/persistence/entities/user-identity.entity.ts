import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { User } from './user.entity';

/** A login through an external OIDC provider, linked to a local user. */
@Entity({ tableName: 'user_identities' })
@Unique({ properties: ['provider', 'subject'] })
export class UserIdentity {
  [OptionalProps]?: 'email' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  @Index()
  user: User;

  @Property({ type: 'string', length: 64 })
  provider: string;

  @Property({ type: 'string', length: 255 })
  subject: string;

  @Property({ type: 'string', length: 320, nullable: true })
  email: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
