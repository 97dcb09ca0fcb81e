import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

export enum AuditReportStatus {
  Running = 'running',
  Completed = 'completed',
  Failed = 'failed',
}

/** One `audit-report:<id>` workflow run: what was asked for, and how far it got. */
@Entity({ tableName: 'audit_reports' })
export class AuditReport {
  [OptionalProps]?: 'status' | 'total' | 'processed' | 'error' | 'createdAt' | 'completedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string;

  @Property({ type: 'uuid' })
  requestedBy: string;

  @Property({ type: 'string', length: 8 })
  format: 'csv' | 'json';

  @Property({ type: 'json' })
  filters: Record<string, unknown>;

  @Enum({ items: () => AuditReportStatus, type: 'string' })
  status: AuditReportStatus = AuditReportStatus.Running;

  @Property({ type: 'integer' })
  total: number = 0;

  @Property({ type: 'integer' })
  processed: number = 0;

  @Property({ type: 'text', nullable: true })
  error: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  completedAt: Date | null = null;
}

/** The report file in ordered parts (one per page), so a retried page overwrites itself. */
@Entity({ tableName: 'audit_report_parts' })
export class AuditReportPart {
  @PrimaryKey({ type: 'uuid' })
  reportId: string;

  @PrimaryKey({ type: 'integer' })
  partNo: number;

  @Property({ type: 'text' })
  content: string;
}
