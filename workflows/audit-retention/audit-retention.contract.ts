/** Contract of the auditRetention workflow, started daily by the `audit-retention` schedule. */
export interface AuditRetentionInput {
  /** Overrides AUDIT_RETENTION_DAYS (the worker's) for this run. */
  retentionDays?: number;
}

export interface AuditRetentionResult {
  deleted: number;
  cutoff: string;
}

export const AUDIT_RETENTION_WORKFLOW = 'auditRetentionWorkflow';
export const AUDIT_RETENTION_SCHEDULE_ID = 'audit-retention';
