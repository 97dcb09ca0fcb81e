import type { MikroORM } from '@mikro-orm/postgresql';
import { auditWhere } from '../../shared/audit/audit-filters';
import { AuditChainHead, AuditEvent, AuditReport, AuditReportPart, AuditReportStatus } from '../../shared/persistence/entities';
import { AUDIT_REPORT_PAGE, type AuditReportFilters, type AuditReportFormat } from '../../workflows/audit-report/audit-report.contract';
import { reportFooter, reportHeader, reportPage } from './audit-report.format';

export interface AuditReportActivityDeps {
  orm: MikroORM;
}

/** Part numbers: 0 is the header, pages follow from 1, the footer comes last. Re-writing a part replaces it. */
async function putPart(orm: MikroORM, reportId: string, partNo: number, content: string) {
  await orm.em.fork().createQueryBuilder(AuditReportPart).insert({ reportId, partNo, content }).onConflict(['reportId', 'partNo']).merge(['content']);
}

export function createAuditReportActivities(deps: AuditReportActivityDeps) {
  return {
    /** Fixes the snapshot (events up to the current head), counts what matches, writes the header. */
    async beginAuditReport(input: { reportId: string; format: AuditReportFormat; filters: AuditReportFilters }): Promise<{ maxSeq: number; total: number }> {
      const em = deps.orm.em.fork();
      const head = await em.findOne(AuditChainHead, { id: 1 });
      const maxSeq = head?.headSeq ?? 0;
      const total = await em.count(AuditEvent, { $and: [auditWhere(input.filters), { seq: { $lte: maxSeq } }] });
      await putPart(deps.orm, input.reportId, 0, reportHeader(input.format));
      await em.nativeUpdate(AuditReport, { id: input.reportId }, { total });
      return { maxSeq, total };
    },

    /** The next page after `afterSeq`, stored as part `partNo`; returns how many rows and the last seq. */
    async writeAuditReportPage(input: {
      reportId: string;
      format: AuditReportFormat;
      filters: AuditReportFilters;
      afterSeq: number;
      maxSeq: number;
      partNo: number;
      rowsBefore: number;
    }): Promise<{ rows: number; lastSeq: number }> {
      const em = deps.orm.em.fork();
      const events = await em.find(
        AuditEvent,
        { $and: [auditWhere(input.filters), { seq: { $gt: input.afterSeq, $lte: input.maxSeq } }] },
        { orderBy: { seq: 'asc' }, limit: AUDIT_REPORT_PAGE },
      );
      await putPart(deps.orm, input.reportId, input.partNo, reportPage(input.format, events, input.rowsBefore));
      await em.nativeUpdate(AuditReport, { id: input.reportId }, { processed: input.rowsBefore + events.length });
      return { rows: events.length, lastSeq: events.length ? events[events.length - 1].seq : input.afterSeq };
    },

    async finishAuditReport(input: { reportId: string; format: AuditReportFormat; partNo: number; rows: number }): Promise<void> {
      await putPart(deps.orm, input.reportId, input.partNo, reportFooter(input.format));
      await deps.orm.em.fork().nativeUpdate(AuditReport, { id: input.reportId }, { status: AuditReportStatus.Completed, processed: input.rows, completedAt: new Date() });
    },

    async failAuditReport(input: { reportId: string; error: string }): Promise<void> {
      await deps.orm.em.fork().nativeUpdate(AuditReport, { id: input.reportId }, { status: AuditReportStatus.Failed, error: input.error.slice(0, 2000), completedAt: new Date() });
    },
  };
}

export type AuditReportActivities = ReturnType<typeof createAuditReportActivities>;

