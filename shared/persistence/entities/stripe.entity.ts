import { Entity, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/** Our user ↔ their Stripe customer; created on the first billing call. */
@Entity({ tableName: 'billing_customers' })
export class BillingCustomer {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  userId: string;

  @Property({ type: 'string', length: 100 })
  @Unique()
  stripeCustomerId: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

/** Local view of a Stripe object (subscription, invoice), updated by our calls and by webhooks. */
@Entity({ tableName: 'billing_objects' })
export class BillingObject {
  [OptionalProps]?: 'updatedAt' | 'eventCreated';

  /** Stripe's id (sub_…, in_…). */
  @PrimaryKey({ type: 'string', length: 100 })
  id: string;

  /** subscription | invoice */
  @Property({ type: 'string', length: 32 })
  kind: string;

  @Property({ type: 'string', length: 100 })
  stripeCustomerId: string;

  @Property({ type: 'string', length: 40 })
  status: string;

  @Property({ type: 'json' })
  data: Record<string, unknown>;

  /** `created` of the newest event applied: an older event delivered late never overwrites it. */
  @Property({ type: 'bigint', nullable: true })
  eventCreated: string | null = null;

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/** Stripe events already handled: a redelivery is acknowledged and ignored. */
@Entity({ tableName: 'stripe_processed_events' })
export class StripeProcessedEvent {
  [OptionalProps]?: 'processedAt';

  @PrimaryKey({ type: 'string', length: 100 })
  id: string;

  @Property({ type: 'string', length: 100 })
  type: string;

  @Property({ type: 'timestamptz' })
  processedAt: Date = new Date();
}

/** What the billing cycle reported to Stripe for one customer and period (one row per period, ever). */
@Entity({ tableName: 'billing_periods' })
export class BillingPeriodReport {
  [OptionalProps]?: 'createdAt' | 'reportedAt' | 'stripeInvoiceItemId' | 'userId';

  @PrimaryKey({ type: 'string', length: 100 })
  stripeCustomerId: string;

  @PrimaryKey({ type: 'timestamptz' })
  periodStart: Date;

  @Property({ type: 'timestamptz' })
  periodEnd: Date;

  @Property({ type: 'uuid', nullable: true })
  userId: string | null = null;

  /** Exact sum of the period's usage_records.cost_usd. */
  @Property({ type: 'decimal', precision: 18, scale: 8 })
  amountUsd: string;

  @Property({ type: 'integer' })
  records: number;

  /** pending (claimed, Stripe not confirmed yet) | reported | empty (nothing to bill). */
  @Property({ type: 'string', length: 16 })
  status: string;

  @Property({ type: 'string', length: 100, nullable: true })
  stripeInvoiceItemId: string | null = null;

  /** `billing-cycle:<customerId>:<periodStart>`, the Stripe idempotency key used. */
  @Property({ type: 'string', length: 200 })
  idempotencyKey: string;

  @Property({ type: 'timestamptz', nullable: true })
  reportedAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
