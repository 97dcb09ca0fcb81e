import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger, StreamableFile } from '@nestjs/common';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import { currentRequestId } from '../../shared/observability/request-context';
import { AuditReport, AuditReportPart, AuditReportStatus } from '../../shared/persistence/entities';
import { SA } from '../../temporal/search-attributes';
import { TemporalClient } from '../../temporal/temporal-client.module';
import type { auditReportWorkflow } from '../../workflows';
import { AUDIT_REPORT_WORKFLOW, AuditReportInput, auditReportProgressQuery, auditReportWorkflowId, percentOf } from '../../workflows/audit-report/audit-report.contract';
import type { Principal } from '../common/auth/principal';
import { API_PREFIX } from '../common/openapi';
import { Problems } from '../common/problem/problem.exception';
import type { AuditReportDto, CreateAuditReportDto } from './dto/audit.dto';

const PARTS_PER_READ = 20;

/** Audit reports: the row, the `audit-report:<id>` workflow, its progress and the download. */
@Injectable()
export class AuditReportsService {
  private readonly log = new Logger(AuditReportsService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly temporal: TemporalClient,
  ) {}

  async create(principal: Principal, dto: CreateAuditReportDto): Promise<AuditReportDto> {
    const filters = JSON.parse(JSON.stringify(dto.filters ?? {})) as Record<string, unknown>;
    if (typeof filters.from === 'string' && typeof filters.to === 'string' && new Date(filters.from) >= new Date(filters.to)) {
      throw Problems.validation([{ field: 'filters.to', message: 'to must be after from' }]);
    }
    const report = this.em.create(AuditReport, { id: randomUUID(), requestedBy: principal.userId, format: dto.format, filters });
    await this.em.flush();
    const input: AuditReportInput = { reportId: report.id, format: dto.format, filters, requestedBy: principal.userId, requestId: currentRequestId() };
    try {
      await this.temporal.workflow.start<typeof auditReportWorkflow>(AUDIT_REPORT_WORKFLOW, {
        workflowId: auditReportWorkflowId(report.id),
        taskQueue: this.temporal.queue('background'),
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: SA.kind, value: 'audit-report' },
          { key: SA.userId, value: principal.userId },
          ...(input.requestId ? [{ key: SA.requestId, value: input.requestId }] : []),
        ],
      });
    } catch (err) {
      // Nothing will ever run it: say so on the row rather than leave it "running".
      report.status = AuditReportStatus.Failed;
      report.error = 'the report could not be started';
      await this.em.flush();
      this.log.error({ err, reportId: report.id }, 'audit report start failed');
      throw Problems.unavailable('The workflow service is unavailable; try again shortly', 5);
    }
    return this.toDto(report);
  }

  async get(id: string): Promise<AuditReportDto> {
    const report = await this.findOrFail(id);
    if (report.status !== AuditReportStatus.Running) return this.toDto(report);
    // Live progress from the workflow; the row (updated per page) when the query cannot answer.
    try {
      const p = await this.temporal.workflow.getHandle(auditReportWorkflowId(id)).query(auditReportProgressQuery);
      if (p.status === 'completed') return this.toDto(await this.findOrFail(id, true));
      return this.toDto(report, p.percent, p.processed, p.total);
    } catch {
      return this.toDto(report);
    }
  }

  async download(id: string): Promise<StreamableFile> {
    const report = await this.findOrFail(id);
    if (report.status !== AuditReportStatus.Completed) throw Problems.conflict(`The report is ${report.status}; download it once completed`);
    const em = this.em.fork();
    async function* parts() {
      for (let from = 0; ; from += PARTS_PER_READ) {
        const rows = await em.find(AuditReportPart, { reportId: id, partNo: { $gte: from, $lt: from + PARTS_PER_READ } }, { orderBy: { partNo: 'asc' } });
        for (const row of rows) yield row.content;
        em.clear();
        if (!rows.length) return;
      }
    }
    const csv = report.format === 'csv';
    return new StreamableFile(Readable.from(parts()), {
      type: csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      disposition: `attachment; filename="audit-report-${id}.${report.format}"`,
    });
  }

  private async findOrFail(id: string, refresh = false): Promise<AuditReport> {
    const report = await this.em.findOne(AuditReport, id, { refresh });
    if (!report) throw Problems.notFound('Audit report');
    return report;
  }

  private toDto(r: AuditReport, percent?: number, processed = r.processed, total = r.total): AuditReportDto {
    const done = r.status === AuditReportStatus.Completed;
    return {
      id: r.id,
      workflowId: auditReportWorkflowId(r.id),
      format: r.format,
      filters: r.filters,
      status: r.status,
      percent: done ? 100 : (percent ?? percentOf(processed, total)),
      processed,
      total,
      createdAt: r.createdAt.toISOString(),
      completedAt: r.completedAt?.toISOString() ?? null,
      error: r.error,
      ...(done ? { downloadUrl: `/${API_PREFIX}/audit/reports/${r.id}/download` } : {}),
    };
  }
}
