import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { User } from './user.entity';

/** Credits given to a user; `consumedUsd` is the running total of its consumption rows. */
@Entity({ tableName: 'credit_grants' })
@Index({ properties: ['user', 'expiresAt'] })
export class CreditGrant {
  [OptionalProps]?: 'consumedUsd' | 'expiresAt' | 'reason' | 'grantedBy' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user: User;

  @Property({ type: 'decimal', precision: 18, scale: 8 })
  amountUsd: string;

  @Property({ type: 'decimal', precision: 18, scale: 8, defaultRaw: '0' })
  consumedUsd: string = '0';

  @Property({ type: 'timestamptz', nullable: true })
  expiresAt: Date | null = null;

  @Property({ type: 'string', length: 500, nullable: true })
  reason: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  grantedBy: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

/** Cost drawn from one grant by one billable unit (turn id); unique, so a retry never draws twice. */
@Entity({ tableName: 'credit_consumptions' })
@Unique({ properties: ['sourceId', 'grant'] })
export class CreditConsumption {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 100 })
  sourceId: string;

  @ManyToOne(() => CreditGrant, { deleteRule: 'cascade' })
  grant: CreditGrant;

  @Property({ type: 'decimal', precision: 18, scale: 8 })
  amountUsd: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
