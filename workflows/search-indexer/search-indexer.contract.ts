/**
 * Contract of the searchIndexer workflow: one long-running execution (id `search-indexer`) on the
 * background queue drains the search outbox into Elasticsearch. Each activity drains what is pending,
 * then LISTENs on Postgres for new outbox rows (pg_notify from the outbox trigger) for up to `waitMs`,
 * so a commit is searchable within a batch's time while an idle indexer costs one activity per wait.
 * It continues as new every ROUNDS_PER_RUN rounds to bound its history.
 */
export const SEARCH_INDEXER_WORKFLOW = 'searchIndexerWorkflow';
export const SEARCH_INDEXER_WORKFLOW_ID = 'search-indexer';
export const SEARCH_INDEXER_ROUNDS_PER_RUN = 200;
/** Consumed outbox rows are kept this long for the lag figures (GET /search/analytics). */
export const SEARCH_OUTBOX_KEEP_SECONDS = 3600;

export interface SearchIndexerInput {
  /** Outbox rows per bulk request; default 500. */
  batchSize?: number;
  /** How long one activity waits for a notification when nothing is pending; default 20 s. */
  waitMs?: number;
  /** Carried across continue-as-new (totals for the operator). */
  totals?: SearchIndexerTotals;
}

export interface SearchIndexerTotals {
  rounds: number;
  indexed: number;
  deleted: number;
}

export interface IndexOutboxInput {
  batchSize: number;
  waitMs: number;
}

export interface IndexOutboxResult {
  /** Outbox rows consumed. */
  events: number;
  indexed: number;
  deleted: number;
  /** Outbox rows whose vectors were written (semantic search lags full-text by the embedding backlog). */
  embedded: number;
  /** Largest commit → searchable time among the consumed rows. */
  maxLagMs: number;
}
