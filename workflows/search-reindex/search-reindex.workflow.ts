import { proxyActivities } from '@temporalio/workflow';
import type { SearchMaintenanceActivities } from '../../activities/search/search-maintenance.activities';
import type { CopyPageResult, SearchReindexInput, SearchReindexResult } from './search-reindex.contract';

const { createNextSearchIndex, copySearchPage, swapSearchAlias, dropSearchIndex, reconcileSearchPage } = proxyActivities<SearchMaintenanceActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});

const KINDS = ['conversation', 'message', 'tool', 'workflow', 'user', 'file'];

/** Rebuilds the index from Postgres beside the serving one and swaps the alias (see the contract). */
export async function searchReindexWorkflow(input: SearchReindexInput = {}): Promise<SearchReindexResult> {
  const pageSize = input.pageSize ?? 1000;
  const { index, previous } = await createNextSearchIndex();
  let copied = 0;
  for (const kind of KINDS) {
    let afterId: string | null = null;
    do {
      const page: CopyPageResult = await copySearchPage({ index, kind, afterId, pageSize });
      copied += page.copied;
      afterId = page.nextAfterId;
    } while (afterId);
  }
  await swapSearchAlias({ index, previous });
  // Deletes that reached the new index before its copy did are caught here, on the serving index.
  for (const kind of KINDS) {
    let afterId: string | null = null;
    do afterId = (await reconcileSearchPage({ kind, afterId, pageSize })).nextAfterId;
    while (afterId);
  }
  if (previous && previous !== index) await dropSearchIndex({ index: previous });
  return { previousIndex: previous, index, copied };
}
