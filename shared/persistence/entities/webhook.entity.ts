import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from './user.entity';

/** A user's outbound webhook receiver (Standard Webhooks); the signing secret is sealed with DATA_ENCRYPTION_KEY. */
@Entity({ tableName: 'webhook_endpoints' })
@Index({ properties: ['user', 'createdAt'] })
export class WebhookEndpoint {
  [OptionalProps]?: 'active' | 'description' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user: User;

  @Property({ type: 'string', length: 2048 })
  url: string;

  @Property({ type: 'string', length: 200, nullable: true })
  description: string | null = null;

  @Property({ type: 'json' })
  eventTypes: string[];

  /** SecretBox-sealed `whsec_…` secret. */
  @Property({ type: 'text' })
  secretSealed: string;

  @Property({ type: 'boolean' })
  active: boolean = true;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

export enum WebhookDeliveryStatus {
  Pending = 'pending',
  Delivered = 'delivered',
  Failed = 'failed',
}

/** One event to one endpoint; the webhookDelivery workflow (`webhook:<id>`) records each attempt here. */
@Entity({ tableName: 'webhook_deliveries' })
@Index({ properties: ['endpoint', 'createdAt'] })
export class WebhookDelivery {
  [OptionalProps]?: 'status' | 'attempts' | 'lastResponseCode' | 'lastError' | 'lastAttemptAt' | 'deliveredAt' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string;

  @ManyToOne(() => WebhookEndpoint, { deleteRule: 'cascade' })
  endpoint: WebhookEndpoint;

  @Property({ type: 'string', length: 100 })
  eventType: string;

  /** The exact JSON body sent. */
  @Property({ type: 'json' })
  payload: Record<string, unknown>;

  @Property({ type: 'string', length: 16 })
  status: WebhookDeliveryStatus = WebhookDeliveryStatus.Pending;

  @Property({ type: 'integer' })
  attempts: number = 0;

  @Property({ type: 'integer', nullable: true })
  lastResponseCode: number | null = null;

  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  lastAttemptAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  deliveredAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
