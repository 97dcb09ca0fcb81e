import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { SearchIndexingActivities } from '../../activities/search/search-indexing.activities';
import { SEARCH_INDEXER_ROUNDS_PER_RUN, SEARCH_OUTBOX_KEEP_SECONDS, type SearchIndexerInput } from './search-indexer.contract';

// The drain waits on Postgres notifications inside the activity: it heartbeats, and is retried without
// end (an Elasticsearch outage only delays indexing; the outbox keeps every change meanwhile).
const { indexSearchOutbox, ensureSearchIndex, purgeSearchOutbox } = proxyActivities<SearchIndexingActivities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** Drains the search outbox for ever (see the contract); continue-as-new bounds the history. */
export async function searchIndexerWorkflow(input: SearchIndexerInput = {}): Promise<never> {
  const batchSize = input.batchSize ?? 500;
  const waitMs = input.waitMs ?? 20_000;
  const totals = input.totals ?? { rounds: 0, indexed: 0, deleted: 0 };
  await ensureSearchIndex();
  for (let round = 0; round < SEARCH_INDEXER_ROUNDS_PER_RUN; round++) {
    const r = await indexSearchOutbox({ batchSize, waitMs });
    totals.rounds++;
    totals.indexed += r.indexed;
    totals.deleted += r.deleted;
    if (round % 50 === 49) await purgeSearchOutbox({ keepSeconds: SEARCH_OUTBOX_KEEP_SECONDS });
  }
  return continueAsNew<typeof searchIndexerWorkflow>({ batchSize, waitMs, totals });
}
