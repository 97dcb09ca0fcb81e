import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { AppConfig } from '../../shared/config/app-config';
import { TemporalClient } from '../../temporal/temporal-client.module';
import type { searchReconcileWorkflow } from '../../workflows/search-reconcile/search-reconcile.workflow';
import { SEARCH_RECONCILE_WORKFLOW, searchReconcileWorkflowId } from '../../workflows/search-reconcile/search-reconcile.contract';
import type { searchReindexWorkflow } from '../../workflows/search-reindex/search-reindex.workflow';
import { SEARCH_REINDEX_WORKFLOW, SEARCH_REINDEX_WORKFLOW_ID } from '../../workflows/search-reindex/search-reindex.contract';
import { Problems } from '../common/problem/problem.exception';
import { ReconcileRunDto, ReindexRunDto } from './dto/search-maintenance.dto';

const WAIT_AT_MOST_MS = 60_000;

/** Operators' on-demand reconciliation and reindex (the workflows the schedule and upgrades run). */
@Injectable()
export class SearchMaintenanceService {
  constructor(
    private readonly temporal: TemporalClient,
    private readonly config: AppConfig,
  ) {}

  private requireElasticsearch() {
    if (this.config.SEARCH_ENGINE !== 'elasticsearch') throw Problems.conflict('SEARCH_ENGINE=postgres has no separate index to reconcile or rebuild');
  }

  async reconcile(): Promise<ReconcileRunDto> {
    this.requireElasticsearch();
    const workflowId = searchReconcileWorkflowId(`manual-${randomUUID()}`);
    const handle = await this.temporal.workflow.start<typeof searchReconcileWorkflow>(SEARCH_RECONCILE_WORKFLOW, {
      workflowId,
      taskQueue: this.temporal.queue('background'),
      args: [{}],
    });
    const result = await this.waitFor(() => handle.result());
    return result ? { workflowId, status: 'completed', ...result } : { workflowId, status: 'running' };
  }

  async reindex(): Promise<ReindexRunDto> {
    this.requireElasticsearch();
    try {
      const handle = await this.temporal.workflow.start<typeof searchReindexWorkflow>(SEARCH_REINDEX_WORKFLOW, {
        workflowId: SEARCH_REINDEX_WORKFLOW_ID,
        taskQueue: this.temporal.queue('background'),
        args: [{}],
      });
      const result = await this.waitFor(() => handle.result());
      return result ? { workflowId: SEARCH_REINDEX_WORKFLOW_ID, status: 'completed', ...result } : { workflowId: SEARCH_REINDEX_WORKFLOW_ID, status: 'running' };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw Problems.conflict('A reindex is already running');
      throw err;
    }
  }

  /** The result, or undefined when it takes longer than a request should (the workflow carries on). */
  private async waitFor<T>(result: () => Promise<T>): Promise<T | undefined> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), WAIT_AT_MOST_MS);
    try {
      return await this.temporal.withAbortSignal(timeout.signal, result);
    } catch (err) {
      if (err instanceof WorkflowFailedError) throw Problems.unavailable(`The search workflow failed: ${err.cause?.message ?? err.message}`, 30);
      if (timeout.signal.aborted) return undefined;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}
