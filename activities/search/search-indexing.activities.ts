import type { Client } from '@elastic/elasticsearch';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Context } from '@temporalio/activity';
import { ensureSearchIndex } from '../../shared/search/elasticsearch';
import { searchAlias, type SearchKind } from '../../shared/search/search-index';
import type { IndexOutboxInput, IndexOutboxResult } from '../../workflows/search-indexer/search-indexer.contract';
import { loadByIds, messageIdsOf } from './search-documents';
import { type SearchVectorWriter, VECTOR_KINDS } from '../../shared/search/search-vectors';
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
/** Texts embedded per round (~1 s of CPU for the local model on one thread). */
const EMBED_BATCH = 64;
const HEARTBEAT_MS = 5000;

/** Drains the outbox: the current state of each changed row is loaded from Postgres and written (see search-indexer.contract). */
export function createSearchIndexingActivities(deps: SearchIndexingDeps) {
  const alias = searchAlias(deps.indexPrefix);

  /** Pending outbox rows → documents to write and to delete (current Postgres state; conversations expand to their messages). */
  async function resolve(em: EntityManager, rows: OutboxRow[]) {
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
    return documentsFor(em, byKind);
  }

  const idList = (rows: OutboxRow[]) => `{${rows.map((r) => r.id).join(',')}}`;

  /** Full-text first: one bulk request, refreshed, then the rows are marked (commit → searchable ends here). */
  async function drainOnce(batchSize: number): Promise<IndexOutboxResult> {
    const em = deps.orm.em.fork();
    const rows = await em
      .getConnection()
      .execute<OutboxRow[]>(`select id, kind, entity_id, version from search_outbox where indexed_at is null order by id limit ?`, [batchSize]);
    if (!rows.length) return { events: 0, indexed: 0, deleted: 0, embedded: 0, maxLagMs: 0 };
    const { docs, deletes } = await resolve(em, rows);
    const targets = await writeTargets(deps.es, deps.indexPrefix, alias);
    const written = await bulkWrite(deps.es, targets, docs, deletes, true);
    // Rows with no vector to make are done for the embedding phase too.
    const embedKinds = deps.vectors ? `'{${VECTOR_KINDS.join(',')}}'::text[]` : `'{}'::text[]`;
    const lag = await em.getConnection().execute<Array<{ lag_ms: string | null }>>(
      `with done as (update search_outbox set indexed_at = clock_timestamp(),
           embedded_at = case when kind = any(${embedKinds}) then null else clock_timestamp() end
         where id = any(?::bigint[]) returning indexed_at - created_at as lag)
       select (extract(epoch from max(lag)) * 1000)::bigint as lag_ms from done`,
      [idList(rows)],
    );
    return { events: rows.length, ...written, embedded: 0, maxLagMs: Number(lag[0]?.lag_ms ?? 0) };
  }

  /**
   * Vectors second, in small batches, so an embedding backlog (a bulk import) never delays full-text
   * indexing. Rows are marked only after the vector store took the batch: a failure retries it.
   */
  async function embedOnce(batchSize: number): Promise<number> {
    const vectors = deps.vectors;
    if (!vectors) return 0;
    const em = deps.orm.em.fork();
    const rows = await em
      .getConnection()
      .execute<OutboxRow[]>(`select id, kind, entity_id, version from search_outbox where indexed_at is not null and embedded_at is null order by id limit ?`, [batchSize]);
    if (!rows.length) return 0;
    const { docs, deletes } = await resolve(em, rows);
    await vectors.upsert(docs.map((d) => d.doc));
    await vectors.delete(deletes);
    await em.getConnection().execute(`update search_outbox set embedded_at = clock_timestamp() where id = any(?::bigint[])`, [idList(rows)]);
    return rows.length;
  }

  async function documentsFor(em: EntityManager, byKind: Map<SearchKind, Map<string, number>>) {
    const docs = [];
    const deletes: DeleteOp[] = [];
    for (const [kind, ids] of byKind) {
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
      const pending = (await conn.query('select exists (select 1 from search_outbox where indexed_at is null or embedded_at is null) as p')) as { rows: Array<{ p: boolean }> };
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
      const total: IndexOutboxResult = { events: 0, indexed: 0, deleted: 0, embedded: 0, maxLagMs: 0 };
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
      // Full-text drained first; then embedding batches while no full-text work arrives (bounded per call).
      const drainThenEmbed = async () => {
        await drainAll();
        for (let i = 0; i < MAX_BATCHES_PER_CALL; i++) {
          const embedded = await embedOnce(EMBED_BATCH);
          total.embedded += embedded;
          heartbeatIfActivity();
          if (embedded < EMBED_BATCH) return;
          // Full-text keeps priority: whatever arrived meanwhile is drained before the next embedding batch.
          await drainAll();
        }
      };
      await drainThenEmbed();
      if (total.events === 0 && total.embedded === 0 && input.waitMs > 0) {
        await waitForOutbox(input.waitMs);
        await drainThenEmbed();
      }
      return total;
    },

    /** Drops consumed outbox rows older than keepSeconds (kept that long for the lag figures). */
    async purgeSearchOutbox(input: { keepSeconds: number }): Promise<number> {
      const res = await deps.orm.em
        .fork()
        .getConnection()
        .execute<Array<{ n: string }>>(`with gone as (delete from search_outbox where indexed_at < now() - make_interval(secs => ?) and embedded_at is not null returning 1) select count(*) as n from gone`, [input.keepSeconds]);
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
