import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from './user.entity';

@Entity({ tableName: 'api_keys' })
export class ApiKey {
  [OptionalProps]?: 'scopes' | 'createdAt' | 'expiresAt' | 'revokedAt' | 'lastUsedAt' | 'lastUsedIp';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  @Index()
  user: User;

  @Property({ type: 'string', length: 100 })
  name: string;

  /** Shown in lists so a user can tell keys apart: `gk_<prefix>_…`. */
  @Property({ type: 'string', length: 16, unique: true })
  prefix: string;

  @Property({ type: 'string', length: 64, unique: true, hidden: true })
  keyHash: string;

  @Property({ type: 'json' })
  scopes: string[] = [];

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  expiresAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null = null;

  @Property({ type: 'string', length: 64, nullable: true })
  lastUsedIp: string | null = null;

  isUsable(now = new Date()): boolean {
    return !this.revokedAt && (!this.expiresAt || this.expiresAt > now);
  }
}
