/**
 * Captures the audit workflows' histories into test/replay/histories/, for replay.spec.ts.
 * Run on demand, with a stack up and its env exported (like capture-histories.ts):
 *   npx tsx test/replay/capture-audit-histories.ts
 * It starts a throw-away Temporal server and uses the stack's Postgres (a few spec events are appended
 * to its audit chain; the report rows it creates are removed).
 */
import { randomUUID } from 'node:crypto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createAuditReportActivities } from '../../activities/audit/audit-report.activities';
import { appendAuditEvents } from '../../shared/audit/audit-chain';
import { auditDraft } from '../../shared/audit/audit-draft';
import { AuditReport, AuditReportPart } from '../../shared/persistence/entities';
import { auditReportWorkflow } from '../../workflows';
import { AUDIT_REPORT_PAGE, auditReportWorkflowId } from '../../workflows/audit-report/audit-report.contract';
import { openStores } from '../support/chat-turn-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';
import { saveHistory } from './history-json';


async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stores = await openStores();
  const env = await localTemporal();
  const taskQueue = 'replay-capture-audit';
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities: createAuditReportActivities({ orm: stores.orm }) });
  const reportId = randomUUID();
  try {
    const action = `replay.capture.${reportId}`;
    // Two pages, so the history holds the loop.
    await appendAuditEvents(stores.orm.em, Array.from({ length: AUDIT_REPORT_PAGE + 3 }, () => auditDraft({ actorType: 'system', action, outcome: 'success' })));
    const em = stores.orm.em.fork();
    em.create(AuditReport, { id: reportId, requestedBy: randomUUID(), format: 'csv', filters: { action } });
    await em.flush();
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(auditReportWorkflow, {
        taskQueue,
        workflowId: auditReportWorkflowId(reportId),
        args: [{ reportId, format: 'csv', filters: { action }, requestedBy: randomUUID() }],
      });
      await handle.result();
      await saveHistory('auditReportWorkflow-completed', handle);
    });
  } finally {
    await stores.orm.em.fork().nativeDelete(AuditReportPart, { reportId });
    await stores.orm.em.fork().nativeDelete(AuditReport, { id: reportId });
    await env.teardown();
    await stores.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
