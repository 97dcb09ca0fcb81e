import { ContinueAsNew, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { AuditReportActivities } from '../../activities/audit/audit-report.activities';
import {
  AUDIT_REPORT_PAGE,
  type AuditReportInput,
  type AuditReportProgress,
  type AuditReportResult,
  auditReportProgressQuery,
  percentOf,
} from './audit-report.contract';

// Each page is one short database round: read 500 events, store them as one part of the file.
const { beginAuditReport, writeAuditReportPage, finishAuditReport, failAuditReport } = proxyActivities<AuditReportActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/** Pages per run before continuing as new, so a huge report keeps a small history. */
const PAGES_PER_RUN = 200;

/**
 * Writes the events matching the filters, as they stood when the report began (seq ≤ the head then),
 * into the report's stored parts; progress is queryable throughout.
 */
export async function auditReportWorkflow(input: AuditReportInput): Promise<AuditReportResult> {
  const progress: AuditReportProgress = { status: 'running', processed: input.cursor?.processed ?? 0, total: input.cursor?.total ?? 0, percent: 0 };
  setHandler(auditReportProgressQuery, () => ({ ...progress, percent: progress.status === 'completed' ? 100 : percentOf(progress.processed, progress.total) }));

  try {
    const cursor = input.cursor ?? { ...(await beginAuditReport({ reportId: input.reportId, format: input.format, filters: input.filters })), afterSeq: 0, processed: 0, nextPart: 1 };
    progress.total = cursor.total;
    for (let pages = 0; ; pages++) {
      if (pages === PAGES_PER_RUN) await continueAsNew<typeof auditReportWorkflow>({ ...input, cursor });
      const page = await writeAuditReportPage({
        reportId: input.reportId,
        format: input.format,
        filters: input.filters,
        afterSeq: cursor.afterSeq,
        maxSeq: cursor.maxSeq,
        partNo: cursor.nextPart,
        rowsBefore: cursor.processed,
      });
      cursor.processed += page.rows;
      cursor.afterSeq = page.lastSeq;
      cursor.nextPart++;
      progress.processed = cursor.processed;
      if (page.rows < AUDIT_REPORT_PAGE) break;
    }
    await finishAuditReport({ reportId: input.reportId, format: input.format, partNo: cursor.nextPart, rows: cursor.processed });
    progress.status = 'completed';
    return { reportId: input.reportId, rows: cursor.processed };
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    progress.status = 'failed';
    await failAuditReport({ reportId: input.reportId, error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}
