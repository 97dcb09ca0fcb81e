import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import type { ApprovalDecision, ApprovalStatus } from '../../../workflows/approval/approval.contract';
import { User } from './user.entity';

/**
 * One `approval:<id>` workflow's request. The workflow inserts it pending and writes the outcome
 * once (only a pending row is updated), so the API can list and authorise without asking Temporal.
 */
@Entity({ tableName: 'approvals' })
@Index({ properties: ['status', 'createdAt', 'id'] })
@Index({ properties: ['requester', 'createdAt', 'id'] })
export class Approval {
  [OptionalProps]?: 'details' | 'status' | 'decision' | 'decidedBy' | 'decidedAt' | 'comment' | 'allowSelfApproval' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string;

  @Property({ type: 'string', length: 64 })
  kind: string;

  @Property({ type: 'string', length: 200 })
  title: string;

  @Property({ type: 'json', nullable: true })
  details: unknown = null;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  requester: User;

  /** Users with one of these roles may decide (text[], queried with @>). */
  @Property({ type: 'text[]' })
  deciderRoles: string[];

  @Property({ type: 'text[]' })
  deciderUserIds: string[];

  @Property({ type: 'boolean' })
  allowSelfApproval = false;

  @Property({ type: 'string', length: 16 })
  status: ApprovalStatus = 'pending';

  @Property({ type: 'string', length: 16, nullable: true })
  decision: ApprovalDecision | null = null;

  @Property({ type: 'uuid', nullable: true })
  decidedBy: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  decidedAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  comment: string | null = null;

  @Property({ type: 'timestamptz' })
  expiresAt: Date;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
