/**
 * Captures the search workflows' histories into test/replay/histories/, for replay.spec.ts:
 *   npx tsx test/replay/capture-search-histories.ts
 * A throw-away Temporal server and scripted activities (a history holds activity results only; the real
 * activities are covered by test/e2e/search.e2e-spec.ts): one run of the indexer up to its continue-as-new,
 * a reconciliation that repairs, a reindex with an alias swap.
 */
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { searchIndexerWorkflow, searchReconcileWorkflow, searchReindexWorkflow } from '../../workflows';
import { localTemporal, workflowsPath } from '../support/temporal-env';
import { saveHistory } from './history-json';

const page = (kind: string, afterId: string | null) =>
  // Two pages of messages, one of everything else.
  kind === 'message' && afterId === null ? { nextAfterId: '00000000-0000-4000-8000-000000000001' } : { nextAfterId: null };

const activities = {
  async ensureSearchIndex() {},
  async indexSearchOutbox() {
    return { indexed: 2, deleted: 1 };
  },
  async purgeSearchOutbox() {
    return { purged: 0 };
  },
  async reconcileSearchPage({ kind, afterId }: { kind: string; afterId: string | null }) {
    return { checked: 3, missing: kind === 'message' ? 1 : 0, stale: 0, extra: kind === 'file' ? 1 : 0, ...page(kind, afterId) };
  },
  async createNextSearchIndex() {
    return { index: 'gw-search-v2', previous: 'gw-search-v1' };
  },
  async copySearchPage({ kind, afterId }: { kind: string; afterId: string | null }) {
    return { copied: 3, ...page(kind, afterId) };
  },
  async swapSearchAlias() {},
  async dropSearchIndex() {},
};

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await localTemporal();
  const taskQueue = 'replay-capture-search';
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities });
  try {
    await worker.runUntil(async () => {
      const reconcile = await env.client.workflow.start(searchReconcileWorkflow, { taskQueue, workflowId: 'search-reconcile:replay', args: [{}] });
      await reconcile.result();
      await saveHistory('searchReconcileWorkflow-repaired', reconcile);

      const reindex = await env.client.workflow.start(searchReindexWorkflow, { taskQueue, workflowId: 'search-reindex:replay', args: [{}] });
      await reindex.result();
      await saveHistory('searchReindexWorkflow-swapped', reindex);

      // The indexer never ends: its first run, closed by continue-as-new, is the history.
      const indexer = await env.client.workflow.start(searchIndexerWorkflow, { taskQueue, workflowId: 'search-indexer:replay', args: [{ waitMs: 10 }] });
      const firstRun = env.client.workflow.getHandle('search-indexer:replay', indexer.firstExecutionRunId);
      while ((await firstRun.describe()).status.name === 'RUNNING') await new Promise((r) => setTimeout(r, 200));
      await saveHistory('searchIndexerWorkflow-continued-as-new', firstRun);
      await indexer.terminate('capture done');
    });
  } finally {
    await env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
