import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, PrimaryKeyProp, Property, Unique } from '@mikro-orm/core';

export enum BudgetScope {
  User = 'user',
  ApiKey = 'api_key',
  /** Reserved for teams: nothing resolves a team scope yet (see budgetScopesOf). */
  Team = 'team',
}

export enum BudgetWindow {
  Daily = 'daily',
  Monthly = 'monthly',
}

/** A spending cap on one scope for one calendar window (UTC). Spend lives in BudgetPeriod. */
@Entity({ tableName: 'budgets' })
@Unique({ properties: ['scopeType', 'scopeId', 'window'] })
export class Budget {
  [OptionalProps]?: 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => BudgetScope, type: 'string', length: 16 })
  scopeType: BudgetScope;

  @Property({ type: 'uuid' })
  scopeId: string;

  @Enum({ items: () => BudgetWindow, type: 'string', length: 16 })
  window: BudgetWindow;

  /** USD, exact decimal. */
  @Property({ type: 'decimal', precision: 18, scale: 8 })
  limitUsd: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/** Spend of one budget in one window: the row a reservation's conditional UPDATE locks. */
@Entity({ tableName: 'budget_periods' })
export class BudgetPeriod {
  [PrimaryKeyProp]?: ['budget', 'periodStart'];
  [OptionalProps]?: 'spentUsd' | 'reservedUsd';

  @ManyToOne(() => Budget, { primary: true, deleteRule: 'cascade' })
  budget: Budget;

  @PrimaryKey({ type: 'timestamptz' })
  periodStart: Date;

  @Property({ type: 'decimal', precision: 18, scale: 8, defaultRaw: '0' })
  spentUsd: string = '0';

  @Property({ type: 'decimal', precision: 18, scale: 8, defaultRaw: '0' })
  reservedUsd: string = '0';
}

export enum ReservationStatus {
  Reserved = 'reserved',
  Committed = 'committed',
  Refunded = 'refunded',
}

/** A turn's hold on one budget: at most one per (source, budget); settled exactly once. */
@Entity({ tableName: 'budget_reservations' })
@Unique({ properties: ['sourceId', 'budget'] })
@Index({ properties: ['status', 'createdAt'] })
export class BudgetReservation {
  [OptionalProps]?: 'status' | 'actualUsd' | 'createdAt' | 'settledAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** The turn (or run) id. */
  @Property({ type: 'string', length: 100 })
  sourceId: string;

  @ManyToOne(() => Budget, { deleteRule: 'cascade' })
  budget: Budget;

  @Property({ type: 'timestamptz' })
  periodStart: Date;

  @Property({ type: 'decimal', precision: 18, scale: 8 })
  amountUsd: string;

  @Property({ type: 'decimal', precision: 18, scale: 8, nullable: true })
  actualUsd: string | null = null;

  @Enum({ items: () => ReservationStatus, type: 'string', length: 16 })
  status: ReservationStatus = ReservationStatus.Reserved;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  settledAt: Date | null = null;
}

/** A threshold (50/80/100 %) crossed in one period: the primary key makes each alert fire once. */
@Entity({ tableName: 'budget_alerts' })
export class BudgetAlert {
  [PrimaryKeyProp]?: ['budget', 'periodStart', 'threshold'];
  [OptionalProps]?: 'createdAt';

  @ManyToOne(() => Budget, { primary: true, deleteRule: 'cascade' })
  budget: Budget;

  @PrimaryKey({ type: 'timestamptz' })
  periodStart: Date;

  @PrimaryKey({ type: 'smallint' })
  threshold: number;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
