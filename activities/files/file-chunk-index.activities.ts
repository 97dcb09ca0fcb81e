import type { MikroORM } from '@mikro-orm/postgresql';
import { Context } from '@temporalio/activity';
import { chunkPointId, FILE_CHUNKS_COLLECTION, type SemanticIndex } from '../../shared/files/chunk-retrieval';
import { FileChunk, StoredFile } from '../../shared/persistence/entities';

export interface FileChunkIndexDeps {
  orm: MikroORM;
  /** Absent without a vector engine (SEARCH_ENGINE=postgres): chunks stay lexical only. */
  semantic?: SemanticIndex;
}

/** Chunks per embedding call: a moderate batch is fastest on CPU and keeps heartbeats frequent. */
const EMBED_BATCH = 32;

export function createFileChunkIndexActivities(deps: FileChunkIndexDeps) {
  return {
    /**
     * Embeds the file's chunks and writes them to the vector store (ids chunk:<fileId>:<ordinal>, payload
     * ownerId/fileId/ordinal for filters inside the query), after removing the file's earlier vectors, so a
     * retry or a re-ingest leaves exactly the current chunks. The text itself stays in Postgres.
     */
    async indexFileChunks(input: { fileId: string }): Promise<{ indexed: number; engine: string }> {
      if (!deps.semantic) return { indexed: 0, engine: 'none' };
      const { embedder, vectors } = deps.semantic;
      const em = deps.orm.em.fork();
      const file = await em.findOne(StoredFile, { id: input.fileId }, { fields: ['id', 'owner'] });
      if (!file) return { indexed: 0, engine: vectors.engine };
      const chunks = await em.find(FileChunk, { file: file.id }, { fields: ['ordinal', 'text'], orderBy: { ordinal: 'asc' } });
      await vectors.ensureCollection(FILE_CHUNKS_COLLECTION, embedder.dimensions);
      await vectors.deleteByFilter(FILE_CHUNKS_COLLECTION, { fileId: file.id });
      for (let i = 0; i < chunks.length; i += EMBED_BATCH) {
        const batch = chunks.slice(i, i + EMBED_BATCH);
        const { vectors: embedded } = await embedder.embed(batch.map((c) => c.text));
        await vectors.upsert(
          FILE_CHUNKS_COLLECTION,
          batch.map((c, j) => ({ id: chunkPointId(file.id, c.ordinal), vector: embedded[j], payload: { ownerId: file.owner.id, fileId: file.id, ordinal: c.ordinal } })),
        );
        Context.current().heartbeat(i + batch.length);
      }
      return { indexed: chunks.length, engine: vectors.engine };
    },
  };
}

export type FileChunkIndexActivities = ReturnType<typeof createFileChunkIndexActivities>;
