import { Injectable, Logger } from '@nestjs/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import { currentRequestId } from '../../shared/observability/request-context';
import { FileStatus, type StoredFile } from '../../shared/persistence/entities';
import { SA } from '../../temporal/search-attributes';
import { TemporalClient } from '../../temporal/temporal-client.module';
import type { fileIngestWorkflow } from '../../workflows';
import { FILE_INGEST_WORKFLOW, fileIngestWorkflowId } from '../../workflows/file-ingest/file-ingest.contract';

/** A file still pending this long after its upload has lost its workflow start (the API died in between). */
export const ORPHAN_PENDING_MS = 60_000;

/** Starts `file-ingest:<fileId>`: once per file (a second start for the same id is refused by Temporal). */
@Injectable()
export class FileIngestStarter {
  private readonly logger = new Logger(FileIngestStarter.name);

  constructor(private readonly temporal: TemporalClient) {}

  async start(file: StoredFile, userId: string): Promise<void> {
    const requestId = currentRequestId();
    await this.temporal.workflow.start<typeof fileIngestWorkflow>(FILE_INGEST_WORKFLOW, {
      workflowId: fileIngestWorkflowId(file.id),
      taskQueue: this.temporal.queue('background'),
      args: [{ fileId: file.id, userId, requestId }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: SA.kind, value: 'file-ingest' },
        { key: SA.userId, value: userId },
        { key: SA.status, value: 'pending' },
        ...(requestId ? [{ key: SA.requestId, value: requestId }] : []),
      ],
    });
  }

  /**
   * Heals an orphan when its owner looks at it: a file pending past ORPHAN_PENDING_MS gets its start now. An
   * ingest that exists already (running, or done and not yet written back) is left alone; Temporal being away
   * only postpones the heal to the next look.
   */
  async healIfOrphaned(file: StoredFile, userId: string): Promise<void> {
    if (file.status !== FileStatus.Pending || Date.now() - file.createdAt.getTime() < ORPHAN_PENDING_MS) return;
    try {
      await this.start(file, userId);
      this.logger.warn({ fileId: file.id }, 'file ingest started late (its upload never started it)');
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return;
      this.logger.warn({ err, fileId: file.id }, 'orphaned file ingest not started; retried on the next read');
    }
  }
}
