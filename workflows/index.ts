// Every workflow the workers run. The worker bundle is built from this file.
export { auditReportWorkflow } from './audit-report/audit-report.workflow';
export { auditRetentionWorkflow } from './audit-retention/audit-retention.workflow';
export { billingCycleWorkflow } from './billing-cycle/billing-cycle.workflow';
export { approvalWorkflow } from './approval/approval.workflow';
export { chatTurnWorkflow } from './chat-turn/chat-turn.workflow';
export { declarativeRunWorkflow } from './declarative-run/declarative-run.workflow';
export { notifyWorkflow } from './notify/notify.workflow';
export { sendEmailWorkflow } from './send-email/send-email.workflow';
export { summarizeConversationWorkflow } from './summarize-conversation/summarize-conversation.workflow';
export { toolRunWorkflow } from './tool-run/tool-run.workflow';
export { userErasureWorkflow } from './user-erasure/user-erasure.workflow';
export { userExportWorkflow } from './user-export/user-export.workflow';
export { webhookDeliveryWorkflow } from './webhook-delivery/webhook-delivery.workflow';
export { turnSweeperWorkflow } from './turn-sweeper/turn-sweeper.workflow';
export { searchIndexerWorkflow } from './search-indexer/search-indexer.workflow';
export { searchReconcileWorkflow } from './search-reconcile/search-reconcile.workflow';
export { searchReindexWorkflow } from './search-reindex/search-reindex.workflow';
