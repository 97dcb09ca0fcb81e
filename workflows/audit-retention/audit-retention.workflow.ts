import { proxyActivities } from '@temporalio/workflow';
import type { AuditRetentionActivities } from '../../activities/audit/audit-retention.activities';
import type { AuditRetentionInput, AuditRetentionResult } from './audit-retention.contract';

const { purgeExpiredAuditEvents } = proxyActivities<AuditRetentionActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 5 },
});

/** Deletes audit events past retention; the chain stays verifiable from the signed anchor. */
export async function auditRetentionWorkflow(input: AuditRetentionInput = {}): Promise<AuditRetentionResult> {
  return purgeExpiredAuditEvents(input);
}
