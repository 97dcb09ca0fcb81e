import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

export enum UserErasureStatus {
  Running = 'running',
  Completed = 'completed',
  Failed = 'failed',
}

/**
 * One account erasure, keyed by the subject's pseudonym (HMAC of the user id): the row outlives the
 * user and names them only by it. `report` holds what was removed, per store, with counts.
 */
@Entity({ tableName: 'user_erasures' })
export class UserErasure {
  [OptionalProps]?: 'status' | 'report' | 'error' | 'startedAt' | 'completedAt';

  @PrimaryKey({ type: 'uuid' })
  subjectPseudonym: string;

  /** The admin who asked, or the subject's own pseudonym for a self-erasure. */
  @Property({ type: 'uuid' })
  requestedBy: string;

  @Enum({ items: () => UserErasureStatus, type: 'string' })
  status: UserErasureStatus = UserErasureStatus.Running;

  @Property({ type: 'json', nullable: true })
  report: Record<string, unknown> | null = null;

  @Property({ type: 'text', nullable: true })
  error: string | null = null;

  @Property({ type: 'timestamptz' })
  startedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  completedAt: Date | null = null;
}

/**
 * Usage kept for accounting after its user was erased: the same facts, the user replaced by the
 * pseudonym (usage_records cascades with the user, so erasure copies the rows here first).
 */
@Entity({ tableName: 'retained_usage_records' })
export class RetainedUsageRecord {
  @PrimaryKey({ type: 'uuid' })
  id: string;

  @Property({ type: 'uuid' })
  subjectPseudonym: string;

  @Property({ type: 'string', length: 40 })
  kind: string;

  @Property({ type: 'string', length: 200 })
  model: string;

  @Property({ type: 'string', length: 100 })
  provider: string;

  @Property({ type: 'integer' })
  inputTokens: number;

  @Property({ type: 'integer' })
  outputTokens: number;

  @Property({ type: 'decimal', precision: 18, scale: 8 })
  costUsd: string;

  @Property({ type: 'timestamptz' })
  occurredAt: Date;
}
