import type { Client } from '@elastic/elasticsearch';
import { docId, searchAlias, type SearchDocument } from '../../shared/search/search-index';
import { SEARCH_VECTOR_COLLECTION } from '../../shared/search/search-vectors';
import type { VectorStore } from '../../shared/vectors/vector-store';

/**
 * GDPR erasure: every document the user owns, and their user document, out of the search index now
 * (the outbox would delete them too, at its lag). This build has no delete_by_query (no reindex module),
 * so ids are searched and deleted in bulk until none is left.
 */
export async function eraseUserFromSearchIndex(es: Client, prefix: string, userId: string): Promise<number> {
  const index = searchAlias(prefix);
  if (!(await es.indices.existsAlias({ name: index }))) return 0;
  let erased = 0;
  for (;;) {
    const res = await es.search<SearchDocument>({
      index,
      size: 1000,
      _source: ['kind', 'id'],
      query: { bool: { should: [{ term: { ownerId: userId } }, { bool: { filter: [{ term: { kind: 'user' } }, { term: { id: userId } }] } }], minimum_should_match: 1 } },
    });
    const hits = res.hits.hits;
    if (!hits.length) return erased;
    await es.bulk({ operations: hits.map((h) => ({ delete: { _index: index, _id: docId(h._source!.kind, h._source!.id) } })), refresh: true });
    erased += hits.length;
  }
}

/** Every vector of the user's documents (the search collection; file chunks live under the same owner). */
export async function eraseUserVectors(vectors: VectorStore, userId: string): Promise<void> {
  try {
    await vectors.deleteByFilter(SEARCH_VECTOR_COLLECTION, { ownerId: userId });
  } catch (err) {
    // Nothing was ever embedded (no collection yet): nothing to erase.
    if (!/index_not_found|not found|doesn't exist/i.test((err as Error).message)) throw err;
  }
}
