/**
 * Contract of the searchReindex workflow (id `search-reindex`, one at a time): builds the next index
 * version from Postgres while the current one keeps serving, the indexer writing to both; then swaps the
 * alias in one atomic alias update, reconciles the new index once, and drops the old one.
 */
export const SEARCH_REINDEX_WORKFLOW = 'searchReindexWorkflow';
export const SEARCH_REINDEX_WORKFLOW_ID = 'search-reindex';

export interface SearchReindexInput {
  pageSize?: number;
}

export interface CopyPageInput {
  index: string;
  kind: string;
  afterId: string | null;
  pageSize: number;
}

export interface CopyPageResult {
  copied: number;
  nextAfterId: string | null;
}

export interface SearchReindexResult {
  previousIndex: string | null;
  index: string;
  copied: number;
}
