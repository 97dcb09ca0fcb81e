import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import type { Client } from '@elastic/elasticsearch';
import { AppConfig } from '../../shared/config/app-config';
import { ensureSearchIndex } from '../../shared/search/elasticsearch';
import { InjectElasticsearch } from './search-engine.module';
import { searchAlias } from '../../shared/search/search-index';
import { TemporalClient } from '../../temporal/temporal-client.module';
import { SEARCH_INDEXER_WORKFLOW, SEARCH_INDEXER_WORKFLOW_ID } from '../../workflows/search-indexer/search-indexer.contract';
import { SEARCH_RECONCILE_SCHEDULE_ID, SEARCH_RECONCILE_WORKFLOW } from '../../workflows/search-reconcile/search-reconcile.contract';

const CHECK_EVERY_MS = 30_000;

/**
 * Keeps the indexer workflow running (`search-indexer`, started if absent: idempotent, every API process
 * checks every 30 s, so an indexer terminated by an operator comes back) and makes sure the
 * `search-reconcile` schedule exists. Nothing when SEARCH_ENGINE=postgres (the rows are the index).
 */
@Injectable()
export class SearchIndexerKeeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(SearchIndexerKeeper.name);
  private timer?: NodeJS.Timeout;
  private scheduled = false;

  constructor(
    private readonly temporal: TemporalClient,
    private readonly config: AppConfig,
    @InjectElasticsearch() private readonly es: Client | null,
  ) {}

  onApplicationBootstrap() {
    if (this.config.SEARCH_ENGINE !== 'elasticsearch') return;
    void this.warmUp();
    void this.tick();
  }

  onApplicationShutdown() {
    if (this.timer) clearTimeout(this.timer);
  }

  private async tick(): Promise<void> {
    try {
      await this.ensureIndexer();
      if (!this.scheduled) await this.ensureSchedule();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'search indexer not ensured; retrying');
    }
    this.timer = setTimeout(() => void this.tick(), CHECK_EVERY_MS).unref();
  }

  /** The index exists before the first search, and a cold node's first query is not a user's. */
  private async warmUp(): Promise<void> {
    const es = this.es;
    if (!es) return;
    try {
      await ensureSearchIndex(es, this.config.SEARCH_INDEX_PREFIX);
      await es.search({ index: searchAlias(this.config.SEARCH_INDEX_PREFIX), size: 1, query: { match: { content: 'warm up' } }, aggs: { kind: { terms: { field: 'kind' } } } });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'search warm-up failed (Elasticsearch not up yet?)');
    }
  }

  async ensureIndexer(): Promise<void> {
    try {
      await this.temporal.workflow.start(SEARCH_INDEXER_WORKFLOW, {
        workflowId: SEARCH_INDEXER_WORKFLOW_ID,
        taskQueue: this.temporal.queue('background'),
        args: [{}],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  async ensureSchedule(): Promise<void> {
    try {
      await this.temporal.schedule.create({
        scheduleId: SEARCH_RECONCILE_SCHEDULE_ID,
        spec: { intervals: [{ every: `${this.config.SEARCH_RECONCILE_EVERY_SECONDS} seconds` }] },
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
        action: { type: 'startWorkflow', workflowType: SEARCH_RECONCILE_WORKFLOW, taskQueue: this.temporal.queue('background'), args: [{}] },
      });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
    this.scheduled = true;
  }
}
