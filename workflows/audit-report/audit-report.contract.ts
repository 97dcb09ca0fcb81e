import { defineQuery } from '@temporalio/workflow';

/** Contract of the auditReport workflow, shared by the API (start, progress) and the worker. */
export type AuditReportFormat = 'csv' | 'json';

/** Same shape as shared/audit/audit-filters.ts (kept import-free for the sandbox). */
export interface AuditReportFilters {
  actor?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  outcome?: string;
  statusCode?: number;
  from?: string;
  to?: string;
  q?: string;
}

/** Where a run continued-as-new picks up. */
export interface AuditReportCursor {
  afterSeq: number;
  maxSeq: number;
  total: number;
  processed: number;
  nextPart: number;
}

export interface AuditReportInput {
  reportId: string;
  format: AuditReportFormat;
  filters: AuditReportFilters;
  requestedBy: string;
  requestId?: string;
  cursor?: AuditReportCursor;
}

export interface AuditReportProgress {
  status: 'running' | 'completed' | 'failed';
  processed: number;
  total: number;
  /** 0–100. */
  percent: number;
}

export interface AuditReportResult {
  reportId: string;
  rows: number;
}

/** Events per page (one activity call, one stored part). */
export const AUDIT_REPORT_PAGE = 500;

export const AUDIT_REPORT_WORKFLOW = 'auditReportWorkflow';

export const auditReportProgressQuery = defineQuery<AuditReportProgress>('auditReportProgress');

export function auditReportWorkflowId(reportId: string): string {
  return `audit-report:${reportId}`;
}

export function percentOf(processed: number, total: number): number {
  return total <= 0 ? 0 : Math.min(100, Math.floor((processed * 100) / total));
}
