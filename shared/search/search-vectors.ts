import type { Embedder } from '../embeddings/embedder';
import type { VectorFilter, VectorPoint, VectorStore } from '../vectors/vector-store';
import { docId, type SearchDocument, type SearchKind } from './search-index';
import type { SearchFilters, SearchScope } from './search-engine';

/** The vector collection of searchable text (messages, conversations; file chunks plug in the same way). */
export const SEARCH_VECTOR_COLLECTION = 'search';
export const VECTOR_KINDS: SearchKind[] = ['message', 'conversation', 'file'];

/** The text a document's vector stands for. */
export function embeddingText(doc: SearchDocument): string {
  return doc.kind === 'conversation' ? `${doc.title}\n${doc.content}`.trim() : doc.content;
}

/** Filterable payload: access (tenant, owner) and the filters semantic search supports. */
export function vectorPoint(doc: SearchDocument, vector: number[]): VectorPoint {
  return {
    id: docId(doc.kind, doc.id),
    vector,
    payload: {
      kind: doc.kind,
      docId: doc.id,
      tenantId: doc.tenantId,
      ownerId: doc.ownerId,
      conversationId: doc.conversationId ?? null,
      folder: doc.folder ?? null,
      tags: doc.tags ?? [],
      role: doc.role ?? null,
      model: doc.model ?? null,
      fileType: doc.fileType ?? null,
    },
  };
}

/** Access first (owner and tenant: only owned kinds carry vectors), then the caller's filters. */
export function vectorFilter(scope: SearchScope, kinds: SearchKind[], f: SearchFilters): VectorFilter {
  const filter: VectorFilter = { tenantId: scope.tenantId, ownerId: scope.userId, kind: kinds.filter((k) => VECTOR_KINDS.includes(k)) };
  if (f.conversationId) filter.conversationId = f.conversationId;
  if (f.folder) filter.folder = f.folder;
  if (f.tag) filter.tags = [f.tag];
  if (f.role) filter.role = f.role;
  if (f.model) filter.model = f.model;
  if (f.fileType) filter.fileType = f.fileType;
  return filter;
}

/** Embeds and upserts documents in batches; the collection is created on first use. */
export class SearchVectorWriter {
  private ensured = false;

  constructor(
    private readonly embedder: Embedder,
    private readonly vectors: VectorStore,
  ) {}

  async upsert(docs: SearchDocument[]): Promise<number> {
    const embeddable = docs.filter((d) => VECTOR_KINDS.includes(d.kind) && embeddingText(d).length > 0);
    if (!embeddable.length) return 0;
    if (!this.ensured) {
      await this.vectors.ensureCollection(SEARCH_VECTOR_COLLECTION, this.embedder.dimensions);
      this.ensured = true;
    }
    for (let i = 0; i < embeddable.length; i += 64) {
      const batch = embeddable.slice(i, i + 64);
      const { vectors } = await this.embedder.embed(batch.map(embeddingText));
      await this.vectors.upsert(SEARCH_VECTOR_COLLECTION, batch.map((d, j) => vectorPoint(d, vectors[j])));
    }
    return embeddable.length;
  }

  async delete(ids: Array<{ kind: SearchKind; id: string }>): Promise<void> {
    const gone = ids.filter((d) => VECTOR_KINDS.includes(d.kind)).map((d) => docId(d.kind, d.id));
    if (!gone.length) return;
    if (!this.ensured) {
      await this.vectors.ensureCollection(SEARCH_VECTOR_COLLECTION, this.embedder.dimensions);
      this.ensured = true;
    }
    await this.vectors.deleteByIds(SEARCH_VECTOR_COLLECTION, gone);
  }
}
