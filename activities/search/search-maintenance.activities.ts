import type { Client } from '@elastic/elasticsearch';
import type { MikroORM } from '@mikro-orm/postgresql';
import { ensureSearchIndex } from '../../shared/search/elasticsearch';
import { buildingAlias, docId, SEARCH_INDEX_BODY, searchAlias, searchIndexName, type SearchKind } from '../../shared/search/search-index';
import type { ReconcilePageInput, ReconcilePageResult } from '../../workflows/search-reconcile/search-reconcile.contract';
import type { CopyPageInput, CopyPageResult } from '../../workflows/search-reindex/search-reindex.contract';
import { loadPage, uuidArray } from './search-documents';
import { bulkWrite } from './search-writer';

export interface SearchMaintenanceDeps {
  orm: MikroORM;
  es: Client;
  indexPrefix: string;
}

/** The table behind each kind: a repair bumps the row's version there so the outbox re-queues it. */
const TABLES: Partial<Record<SearchKind, string>> = {
  message: 'messages',
  conversation: 'conversations',
  tool: 'tools',
  workflow: 'workflow_definitions',
  user: 'users',
  file: 'files',
};

/** Reconciliation (Postgres ↔ index drift) and reindex (new index version, atomic alias swap). */
export function createSearchMaintenanceActivities(deps: SearchMaintenanceDeps) {
  const alias = searchAlias(deps.indexPrefix);

  /** Ids and versions of one kind's documents in (afterId, upTo], in id order. */
  async function indexedVersions(kind: SearchKind, afterId: string | null, upTo: string | null): Promise<Map<string, number>> {
    const range: Record<string, string> = {};
    if (afterId) range.gt = afterId;
    if (upTo) range.lte = upTo;
    const found = new Map<string, number>();
    let searchAfter: string[] | undefined;
    for (;;) {
      const res = await deps.es.search<{ id: string }>({
        index: alias,
        size: 5000,
        _source: ['id'],
        version: true,
        query: { bool: { filter: [{ term: { kind } }, ...(Object.keys(range).length ? [{ range: { id: range } }] : [])] } },
        sort: [{ id: 'asc' }],
        ...(searchAfter ? { search_after: searchAfter } : {}),
      });
      const hits = res.hits.hits;
      for (const h of hits) found.set(h._source!.id, h._version ?? 0);
      if (hits.length < 5000) return found;
      searchAfter = hits[hits.length - 1].sort as string[];
    }
  }

  return {
    async reconcileSearchPage(input: ReconcilePageInput): Promise<ReconcilePageResult> {
      const kind = input.kind as SearchKind;
      const table = TABLES[kind];
      if (!table) throw new Error(`reconcile: unknown kind ${kind}`);
      await ensureSearchIndex(deps.es, deps.indexPrefix);
      const em = deps.orm.em.fork();
      const rows = await loadPage(em, kind, input.afterId, input.pageSize);
      const last = rows.length === input.pageSize ? rows[rows.length - 1].doc.id : null;
      const indexed = await indexedVersions(kind, input.afterId, last);
      const expected = new Map(rows.map((r) => [r.doc.id, r.version]));
      const missing = [...expected.keys()].filter((id) => !indexed.has(id));
      const stale = [...expected].filter(([id, v]) => indexed.has(id) && indexed.get(id) !== v).map(([id]) => id);
      const extra = [...indexed.keys()].filter((id) => !expected.has(id));
      const requeue = [...missing, ...stale];
      // A bumped version outranks whatever the index holds (a document altered in place has a higher _version).
      if (requeue.length) await em.getConnection().execute(`update ${table} set search_version = search_version where id = any(?::uuid[])`, [uuidArray(requeue)]);
      if (extra.length) {
        await deps.es.bulk({ operations: extra.map((id) => ({ delete: { _index: alias, _id: docId(kind, id) } })), refresh: true });
      }
      return { checked: rows.length, missing: missing.length, stale: stale.length, extra: extra.length, nextAfterId: last };
    },

    /** Creates the next index version (marked as being built) and returns it with the one serving now. */
    async createNextSearchIndex(): Promise<{ index: string; previous: string | null }> {
      const previous = await ensureSearchIndex(deps.es, deps.indexPrefix);
      const n = Number(/-v(\d+)$/.exec(previous)?.[1] ?? 1) + 1;
      const index = searchIndexName(deps.indexPrefix, n);
      // A previous attempt that failed half-way left it behind: start it over.
      if (await deps.es.indices.exists({ index })) await deps.es.indices.delete({ index });
      await deps.es.indices.create({ index, ...SEARCH_INDEX_BODY, aliases: { [buildingAlias(deps.indexPrefix)]: {} } } as never);
      return { index, previous };
    },

    async copySearchPage(input: CopyPageInput): Promise<CopyPageResult> {
      const rows = await loadPage(deps.orm.em.fork(), input.kind as SearchKind, input.afterId, input.pageSize);
      await bulkWrite(deps.es, [input.index], rows, [], false);
      return { copied: rows.length, nextAfterId: rows.length === input.pageSize ? rows[rows.length - 1].doc.id : null };
    },

    /** One atomic alias update: readers and writers move to the new index together. */
    async swapSearchAlias(input: { index: string; previous: string | null }): Promise<void> {
      await deps.es.indices.refresh({ index: input.index });
      await deps.es.indices.updateAliases({
        actions: [
          ...(input.previous ? [{ remove: { index: input.previous, alias } }] : []),
          { add: { index: input.index, alias, is_write_index: true } },
          { remove: { index: input.index, alias: buildingAlias(deps.indexPrefix) } },
        ],
      });
    },

    async dropSearchIndex(input: { index: string }): Promise<void> {
      if (await deps.es.indices.exists({ index: input.index })) await deps.es.indices.delete({ index: input.index });
    },
  };
}

export type SearchMaintenanceActivities = ReturnType<typeof createSearchMaintenanceActivities>;
