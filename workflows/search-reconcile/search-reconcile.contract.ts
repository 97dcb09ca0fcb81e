/**
 * Contract of the searchReconcile workflow, run by the `search-reconcile` schedule (and on demand):
 * pages through Postgres and the index per kind (ids + versions) and repairs drift: documents missing
 * from the index or older/other than the row are re-queued through the outbox (the row's version is
 * bumped so the repair outranks whatever sits in the index), documents with no visible row are deleted.
 */
export const SEARCH_RECONCILE_WORKFLOW = 'searchReconcileWorkflow';
export const SEARCH_RECONCILE_SCHEDULE_ID = 'search-reconcile';
export const searchReconcileWorkflowId = (tag: string) => `search-reconcile:${tag}`;

export interface SearchReconcileInput {
  /** Ids compared per page; default 1000. */
  pageSize?: number;
}

export interface ReconcilePageInput {
  kind: string;
  afterId: string | null;
  pageSize: number;
}

export interface ReconcileCounts {
  checked: number;
  missing: number;
  stale: number;
  extra: number;
}

export interface ReconcilePageResult extends ReconcileCounts {
  /** Last id compared; null when the kind is done. */
  nextAfterId: string | null;
}

export interface SearchReconcileResult {
  byKind: Record<string, ReconcileCounts>;
  /** Sum over kinds. */
  total: ReconcileCounts;
}
