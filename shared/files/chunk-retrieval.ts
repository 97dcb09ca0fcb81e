import type { EntityManager } from '@mikro-orm/postgresql';
import type { Embedder } from '../embeddings/embedder';
import type { VectorStore } from '../vectors/vector-store';
import { reciprocalRankFusion } from '../search/rrf';

/** The vector collection of file chunks; payload: ownerId, fileId, ordinal. */
export const FILE_CHUNKS_COLLECTION = 'file-chunks';

export function chunkPointId(fileId: string, ordinal: number): string {
  return `chunk:${fileId}:${ordinal}`;
}

export interface RetrievedChunk {
  fileId: string;
  fileName: string;
  ordinal: number;
  text: string;
  startOffset: number;
  endOffset: number;
}

/** The vector half of retrieval; absent (no vector engine, e.g. SEARCH_ENGINE=postgres) leaves lexical only. */
export interface SemanticIndex {
  embedder: Embedder;
  vectors: VectorStore;
}

export interface RetrievalOptions {
  /** How many candidates each ranking contributes before fusion. */
  depth?: number;
  limit?: number;
  /** Told when the vector half fails: retrieval goes on lexical only rather than failing the turn. */
  onSemanticFailure?: (err: unknown) => void;
}

interface AttachedFile {
  id: string;
  name: string;
  owner_id: string;
}

/**
 * The chunks of a conversation's attached files most relevant to `query`: Postgres full-text (any of the
 * query's words, ranked by cover density) and kNN over the chunk vectors, fused by reciprocal rank. Only
 * ready files the conversation's owner owns take part; the vector query filters by those ids and owner
 * inside the query. `question` is read only when the conversation has files. With no match at all, the files' opening chunks stand in (a "summarise this" question).
 */
export async function retrieveChunks(
  em: EntityManager,
  semantic: SemanticIndex | undefined,
  conversationId: string,
  question: () => Promise<string>,
  options: RetrievalOptions = {},
): Promise<RetrievedChunk[]> {
  const depth = options.depth ?? 20;
  const limit = options.limit ?? 6;
  const files = await em.execute<AttachedFile[]>(
    `select f.id, f.name, f.owner_id from conversation_files cf
       join conversations c on c.id = cf.conversation_id
       join files f on f.id = cf.file_id and f.owner_id = c.owner_id
      where cf.conversation_id = ? and f.status = 'ready'`,
    [conversationId],
  );
  if (!files.length) return [];
  const fileIds = files.map((f) => f.id);
  const query = await question();
  const [lexical, vector] = await Promise.all([
    lexicalRanking(em, fileIds, query, depth),
    semantic ? semanticRanking(semantic, files[0].owner_id, fileIds, query, depth).catch((err: unknown) => (options.onSemanticFailure?.(err), [])) : [],
  ]);
  let keys = reciprocalRankFusion([lexical, vector]).slice(0, limit).map((f) => f.key);
  if (!keys.length) keys = await openingChunks(em, fileIds, limit);
  return loadChunks(em, files, keys);
}

/** Whether a turn of this conversation is grounded in files (the worker then retrieves; see retrieveChunks). */
export async function hasAttachedFiles(em: EntityManager, conversationId: string): Promise<boolean> {
  const rows = await em.execute<unknown[]>(`select 1 from conversation_files where conversation_id = ? limit 1`, [conversationId]);
  return rows.length > 0;
}

function chunkKey(fileId: string, ordinal: number): string {
  return `${fileId}:${ordinal}`;
}

async function lexicalRanking(em: EntityManager, fileIds: string[], query: string, depth: number): Promise<string[]> {
  // plainto_tsquery ANDs the words; a question rarely has all of them in one chunk, so OR them instead.
  const rows = await em.execute<{ file_id: string; ordinal: number }[]>(
    `with q as (select nullif(replace(plainto_tsquery('english', ?)::text, '&', '|'), '')::tsquery as q)
     select c.file_id, c.ordinal from file_chunks c, q
      where q.q is not null and c.file_id = any(?::uuid[]) and to_tsvector('english', c.text) @@ q.q
      order by ts_rank_cd(to_tsvector('english', c.text), q.q) desc, c.file_id, c.ordinal
      limit ?`,
    [query, `{${fileIds.join(',')}}`, depth],
  );
  return rows.map((r) => chunkKey(r.file_id, r.ordinal));
}

async function semanticRanking({ embedder, vectors }: SemanticIndex, ownerId: string, fileIds: string[], query: string, depth: number): Promise<string[]> {
  const { vectors: [vector] } = await embedder.embed([query]);
  const hits = await vectors.search(FILE_CHUNKS_COLLECTION, vector, { limit: depth, filter: { ownerId, fileId: fileIds } });
  return hits.map((h) => chunkKey(String(h.payload.fileId), Number(h.payload.ordinal)));
}

async function openingChunks(em: EntityManager, fileIds: string[], limit: number): Promise<string[]> {
  const rows = await em.execute<{ file_id: string; ordinal: number }[]>(
    `select file_id, ordinal from file_chunks where file_id = any(?::uuid[]) order by ordinal, file_id limit ?`,
    [`{${fileIds.join(',')}}`, limit],
  );
  return rows.map((r) => chunkKey(r.file_id, r.ordinal));
}

async function loadChunks(em: EntityManager, files: AttachedFile[], keys: string[]): Promise<RetrievedChunk[]> {
  if (!keys.length) return [];
  const pairs = keys.map((k) => k.split(':'));
  const rows = await em.execute<{ file_id: string; ordinal: number; text: string; start_offset: number; end_offset: number }[]>(
    `select c.file_id, c.ordinal, c.text, c.start_offset, c.end_offset from file_chunks c
      join unnest(?::uuid[], ?::int[]) as k(file_id, ordinal) on k.file_id = c.file_id and k.ordinal = c.ordinal`,
    [`{${pairs.map((p) => p[0]).join(',')}}`, `{${pairs.map((p) => p[1]).join(',')}}`],
  );
  const names = new Map(files.map((f) => [f.id, f.name]));
  const byKey = new Map(rows.map((r) => [chunkKey(r.file_id, r.ordinal), r]));
  // In fused order; a chunk deleted since the vector was written simply drops out.
  return keys.flatMap((k) => {
    const r = byKey.get(k);
    return r ? [{ fileId: r.file_id, fileName: names.get(r.file_id) ?? '', ordinal: r.ordinal, text: r.text, startOffset: r.start_offset, endOffset: r.end_offset }] : [];
  });
}
