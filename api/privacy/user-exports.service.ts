import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger, StreamableFile } from '@nestjs/common';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import { currentRequestId } from '../../shared/observability/request-context';
import { UserExport, UserExportChunk, UserExportStatus } from '../../shared/persistence/entities';
import { SA } from '../../temporal/search-attributes';
import { TemporalClient } from '../../temporal/temporal-client.module';
import type { userExportWorkflow } from '../../workflows';
import { USER_EXPORT_WORKFLOW, UserExportInput, userExportProgressQuery, userExportWorkflowId } from '../../workflows/user-export/user-export.contract';
import type { Principal } from '../common/auth/principal';
import { API_PREFIX } from '../common/openapi';
import { Problems } from '../common/problem/problem.exception';
import type { UserExportDto } from './dto/privacy.dto';

/** How long a finished archive can be downloaded. */
export const EXPORT_TTL_MS = 7 * 24 * 3_600_000;
const CHUNKS_PER_READ = 4;

/** The caller's data exports: only the owner ever sees one (404 for everyone else, admins included). */
@Injectable()
export class UserExportsService {
  private readonly log = new Logger(UserExportsService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly temporal: TemporalClient,
  ) {}

  /** Starts an export; while one is running, that one is returned instead of a second. */
  async start(principal: Principal): Promise<UserExportDto> {
    const now = new Date();
    // Expired archives of this user go now; nothing else needs them.
    await this.em.nativeDelete(UserExport, { user: principal.userId, expiresAt: { $lte: now } });
    const running = await this.em.findOne(UserExport, { user: principal.userId, status: UserExportStatus.Running }, { orderBy: { createdAt: 'desc' } });
    if (running) return this.get(principal, running.id);

    const exp = this.em.create(UserExport, { id: randomUUID(), user: principal.userId, expiresAt: new Date(now.getTime() + EXPORT_TTL_MS) });
    await this.em.flush();
    const input: UserExportInput = { exportId: exp.id, userId: principal.userId, requestId: currentRequestId() };
    try {
      await this.temporal.workflow.start<typeof userExportWorkflow>(USER_EXPORT_WORKFLOW, {
        workflowId: userExportWorkflowId(exp.id),
        taskQueue: this.temporal.queue('background'),
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: SA.kind, value: 'user-export' },
          { key: SA.userId, value: principal.userId },
          ...(input.requestId ? [{ key: SA.requestId, value: input.requestId }] : []),
        ],
      });
    } catch (err) {
      exp.status = UserExportStatus.Failed;
      exp.error = 'the export could not be started';
      await this.em.flush();
      this.log.error({ err, exportId: exp.id }, 'user export start failed');
      throw Problems.unavailable('The workflow service is unavailable; try again shortly', 5);
    }
    return this.toDto(exp);
  }

  /** The newest export that has not expired. */
  async latest(principal: Principal): Promise<UserExportDto> {
    const exp = await this.em.findOne(UserExport, { user: principal.userId, expiresAt: { $gt: new Date() } }, { orderBy: { createdAt: 'desc' } });
    if (!exp) throw Problems.notFound('Export');
    return this.get(principal, exp.id);
  }

  async get(principal: Principal, id: string): Promise<UserExportDto> {
    const exp = await this.findOwned(principal, id);
    if (exp.status !== UserExportStatus.Running) return this.toDto(exp);
    try {
      const p = await this.temporal.workflow.getHandle(userExportWorkflowId(id)).query(userExportProgressQuery);
      if (p.status === 'completed') return this.toDto(await this.findOwned(principal, id, true));
      return { ...this.toDto(exp), status: p.status, percent: p.percent, items: p.items };
    } catch {
      return this.toDto(exp);
    }
  }

  async download(principal: Principal, id: string): Promise<StreamableFile> {
    const exp = await this.findOwned(principal, id);
    if (exp.status !== UserExportStatus.Completed) throw Problems.conflict(`The export is ${exp.status}; download it once completed`);
    const em = this.em.fork();
    async function* chunks() {
      for (let from = 0; ; from += CHUNKS_PER_READ) {
        const rows = await em.find(UserExportChunk, { export: id, chunkNo: { $gte: from, $lt: from + CHUNKS_PER_READ } }, { orderBy: { chunkNo: 'asc' } });
        for (const row of rows) yield row.data;
        em.clear();
        if (rows.length < CHUNKS_PER_READ) return;
      }
    }
    return new StreamableFile(Readable.from(chunks()), { type: 'application/zip', length: exp.sizeBytes, disposition: `attachment; filename="export-${id}.zip"` });
  }

  /** Someone else's export, an unknown one and an expired one all read as absent. */
  private async findOwned(principal: Principal, id: string, refresh = false): Promise<UserExport> {
    const exp = await this.em.findOne(UserExport, { id, user: principal.userId, expiresAt: { $gt: new Date() } }, { refresh });
    if (!exp) throw Problems.notFound('Export');
    return exp;
  }

  private toDto(e: UserExport, percent?: number): UserExportDto {
    const done = e.status === UserExportStatus.Completed;
    return {
      id: e.id,
      workflowId: userExportWorkflowId(e.id),
      status: e.status,
      percent: done ? 100 : (percent ?? 0),
      items: e.items,
      sizeBytes: e.sizeBytes,
      createdAt: e.createdAt.toISOString(),
      completedAt: e.completedAt?.toISOString() ?? null,
      expiresAt: e.expiresAt.toISOString(),
      error: e.error,
      ...(done ? { downloadUrl: `/${API_PREFIX}/users/me/exports/${e.id}/download` } : {}),
    };
  }
}
