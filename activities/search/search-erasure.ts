import type { Client } from '@elastic/elasticsearch';
import { docId, searchAlias, type SearchDocument } from '../../shared/search/search-index';

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
