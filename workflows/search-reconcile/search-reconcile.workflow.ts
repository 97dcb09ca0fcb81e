import { proxyActivities } from '@temporalio/workflow';
import type { SearchMaintenanceActivities } from '../../activities/search/search-maintenance.activities';
import type { ReconcileCounts, ReconcilePageResult, SearchReconcileInput, SearchReconcileResult } from './search-reconcile.contract';

const { reconcileSearchPage } = proxyActivities<SearchMaintenanceActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

const KINDS = ['conversation', 'message', 'tool', 'workflow', 'user', 'file'];
const zero = (): ReconcileCounts => ({ checked: 0, missing: 0, stale: 0, extra: 0 });

/** Compares Postgres and the index kind by kind, page by page, and repairs what differs (see the contract). */
export async function searchReconcileWorkflow(input: SearchReconcileInput = {}): Promise<SearchReconcileResult> {
  const pageSize = input.pageSize ?? 1000;
  const byKind: Record<string, ReconcileCounts> = {};
  const total = zero();
  for (const kind of KINDS) {
    const counts = zero();
    let afterId: string | null = null;
    do {
      const page: ReconcilePageResult = await reconcileSearchPage({ kind, afterId, pageSize });
      for (const k of ['checked', 'missing', 'stale', 'extra'] as const) {
        counts[k] += page[k];
        total[k] += page[k];
      }
      afterId = page.nextAfterId;
    } while (afterId);
    byKind[kind] = counts;
  }
  return { byKind, total };
}
