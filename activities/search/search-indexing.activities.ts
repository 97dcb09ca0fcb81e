import type { Client } from '@elastic/elasticsearch';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Context } from '@temporalio/activity';
import { ensureSearchIndex } from '../../shared/search/elasticsearch';
import { searchAlias, type SearchKind } from '../../shared/search/search-index';
import type { IndexOutboxInput, IndexOutboxResult } from '../../workflows/search-indexer/search-indexer.contract';
import { loadByIds, messageIdsOf } from './search-documents';
import type { SearchVectorWriter } from '../../shared/search/search-vectors';
import { bulkWrite, type DeleteOp, writeTargets } from './search-writer';

export interface SearchIndexingDeps {
  orm: MikroORM;
  es: Client;
  indexPrefix: string;
  /** Embeds messages and conversations into the vector store (semantic and hybrid search); absent: full-text only. */
  vectors?: SearchVectorWriter;
}

interface OutboxRow {
  id: string;
  kind: SearchKind;
  entity_id: string;
  version: string;
}

const MAX_BATCHES_PER_CALL = 40;
const HEARTBEAT_MS = 5000;

/** Drains the outbox: the current state of each changed row is loaded from Postgres and written (see search-indexer.contract). */
export function createSearchIndexingActivities(deps: SearchIndexingDeps) {
  const alias = searchAlias(deps.indexPrefix);

  async function drainOnce(batchSize: number): Promise<IndexOutboxResult> {
    const em = deps.orm.em.fork();
    const rows = await em
      .getConnection()
      .execute<OutboxRow[]>(`select id, kind, entity_id, version from search_outbox where indexed_at is null order by id limit ?`, [batchSize]);
    if (!rows.length) return { events: 0, indexed: 0, deleted: 0, maxLagMs: 0 };
    // Newest outbox version per document: a row gone from Postgres is deleted at its deletion's version.
    const byKind = new Map<SearchKind, Map<string, number>>();
    for (const r of rows) {
      const ids = byKind.get(r.kind) ?? new Map<string, number>();
      ids.set(r.entity_id, Math.max(ids.get(r.entity_id) ?? 0, Number(r.version)));
      byKind.set(r.kind, ids);
    }
    // A conversation's title, folder, tags and deletion are part of its messages' documents.
    const conversations = [...(byKind.get('conversation')?.keys() ?? [])];
    const messages = byKind.get('message') ?? new Map<string, number>();
    for (const id of await messageIdsOf(em, conversations)) if (!messages.has(id)) messages.set(id, 0);
    if (messages.size) byKind.set('message', messages);

    const { docs, deletes } = await documentsFor(em, byKind);
    const targets = await writeTargets(deps.es, deps.indexPrefix, alias);
    const written = await bulkWrite(deps.es, targets, docs, deletes, true);
    // Before the rows are marked: a failed embedding retries the batch (the bulk above is idempotent).
    if (deps.vectors) {
      await deps.vectors.upsert(docs.map((d) => d.doc));
      await deps.vectors.delete(deletes);
    }
    const lag = await em.getConnection().execute<Array<{ lag_ms: string | null }>>(
      `with done as (update search_outbox set indexed_at = clock_timestamp() where id = any(?::bigint[]) returning indexed_at - created_at as lag)
       select (extract(epoch from max(lag)) * 1000)::bigint as lag_ms from done`,
      [`{${rows.map((r) => r.id).join(',')}}`],
    );
    return { events: rows.length, ...written, maxLagMs: Number(lag[0]?.lag_ms ?? 0) };
  }

  async function documentsFor(em: EntityManager, byKind: Map<SearchKind, Map<string, number>>) {
    const docs = [];
    const deletes: DeleteOp[] = [];
    for (const [kind, ids] of byKind) {
      if (kind === 'file') continue; // indexed by the files feature once it lands
      const loaded = await loadByIds(em, kind, [...ids.keys()]);
      docs.push(...loaded.docs);
      const present = new Set([...loaded.docs.map((d) => d.doc.id), ...loaded.hidden.map((h) => h.id)]);
      for (const h of loaded.hidden) deletes.push({ kind, id: h.id, version: h.version });
      for (const [id, version] of ids) if (!present.has(id) && version > 0) deletes.push({ kind, id, version });
    }
    return { docs, deletes };
  }

  /** Blocks until a notification on `search_outbox` (or the timeout); LISTEN before checking avoids a lost wake-up. */
  async function waitForOutbox(waitMs: number): Promise<void> {
    const knex = deps.orm.em.getConnection().getKnex();
    const conn = (await knex.client.acquireConnection()) as {
      query(sql: string): Promise<unknown>;
      on(ev: 'notification', fn: () => void): void;
      removeListener(ev: 'notification', fn: () => void): void;
    };
    let wake: () => void = () => undefined;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    conn.on('notification', wake);
    const heartbeat = setInterval(() => heartbeatIfActivity(), HEARTBEAT_MS);
    try {
      await conn.query('LISTEN search_outbox');
      const pending = (await conn.query('select exists (select 1 from search_outbox where indexed_at is null) as p')) as { rows: Array<{ p: boolean }> };
      if (pending.rows[0]?.p) return;
      const cancelled = cancellation();
      await Promise.race([woken, new Promise((r) => setTimeout(r, waitMs).unref()), cancelled]);
    } finally {
      clearInterval(heartbeat);
      conn.removeListener('notification', wake);
      await conn.query('UNLISTEN search_outbox').catch(() => undefined);
      await knex.client.releaseConnection(conn);
    }
  }

  return {
    async ensureSearchIndex(): Promise<string> {
      return ensureSearchIndex(deps.es, deps.indexPrefix);
    },

    /** Drains everything pending (bounded), else waits up to waitMs for new rows and drains those. */
    async indexSearchOutbox(input: IndexOutboxInput): Promise<IndexOutboxResult> {
      const total: IndexOutboxResult = { events: 0, indexed: 0, deleted: 0, maxLagMs: 0 };
      const drainAll = async () => {
        for (let i = 0; i < MAX_BATCHES_PER_CALL; i++) {
          const r = await drainOnce(input.batchSize);
          total.events += r.events;
          total.indexed += r.indexed;
          total.deleted += r.deleted;
          total.maxLagMs = Math.max(total.maxLagMs, r.maxLagMs);
          heartbeatIfActivity();
          if (r.events < input.batchSize) return;
        }
      };
      await drainAll();
      if (total.events === 0 && input.waitMs > 0) {
        await waitForOutbox(input.waitMs);
        await drainAll();
      }
      return total;
    },

    /** Drops consumed outbox rows older than keepSeconds (kept that long for the lag figures). */
    async purgeSearchOutbox(input: { keepSeconds: number }): Promise<number> {
      const res = await deps.orm.em
        .fork()
        .getConnection()
        .execute<Array<{ n: string }>>(`with gone as (delete from search_outbox where indexed_at < now() - make_interval(secs => ?) returning 1) select count(*) as n from gone`, [input.keepSeconds]);
      return Number(res[0]?.n ?? 0);
    },
  };
}

function heartbeatIfActivity() {
  try {
    Context.current().heartbeat();
  } catch {
    // Not inside an activity (the bench drives these functions directly).
  }
}

function cancellation(): Promise<unknown> {
  try {
    return Context.current().cancelled.catch(() => undefined);
  } catch {
    return new Promise(() => undefined);
  }
}

export type SearchIndexingActivities = ReturnType<typeof createSearchIndexingActivities>;
