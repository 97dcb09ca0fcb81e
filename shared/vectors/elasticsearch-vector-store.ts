import { Client, errors } from '@elastic/elasticsearch';
import type { VectorFilter, VectorHit, VectorPayloadValue, VectorPoint, VectorStore } from './vector-store';
import { assertCollection, assertFilter, assertPoints, filterMatchesNothing, VectorStoreInputError } from './vector-store.validation';

export interface ElasticsearchVectorStoreOptions {
  /** ELASTICSEARCH_URL, or a client of the caller's own (shared with full-text search). */
  url?: string;
  client?: Client;
  /** Index name prefix; one index per collection. */
  indexPrefix?: string;
  /**
   * `wait_for` (default): a write resolves once it is searchable (read-your-writes, at up to a refresh interval, 1 s,
   * per call). `false`: resolve at once and let the next refresh expose it (bulk indexers that measure their own lag).
   */
  refresh?: 'wait_for' | false;
}

type StoredDoc = { id: string; vector: number[]; payload: Record<string, VectorPayloadValue> };

/**
 * VectorStore on Elasticsearch dense_vector fields (HNSW, cosine). Access control is the kNN clause's own `filter`,
 * applied while the graph is searched, so k hits come back even when most vectors belong to someone else.
 * Scores are cosine similarities (Elasticsearch's (1 + cos) / 2 mapped back), the same scale as Qdrant's.
 */
export class ElasticsearchVectorStore implements VectorStore {
  readonly engine = 'elasticsearch' as const;
  private readonly client: Client;
  private readonly prefix: string;
  private readonly refresh: 'wait_for' | false;
  /** Dimensions of the collections this process has seen, to refuse a mismatched vector with a clear error. */
  private readonly dimensions = new Map<string, number>();

  constructor(options: ElasticsearchVectorStoreOptions) {
    if (!options.client && !options.url) throw new Error('ElasticsearchVectorStore needs a url or a client');
    this.client = options.client ?? new Client({ node: options.url!, requestTimeout: 30_000, maxRetries: 1 });
    this.prefix = options.indexPrefix ?? 'gw-vectors-';
    this.refresh = options.refresh ?? 'wait_for';
  }

  indexOf(collection: string): string {
    assertCollection(collection);
    return `${this.prefix}${collection}`;
  }

  async ensureCollection(collection: string, dimensions: number): Promise<void> {
    const index = this.indexOf(collection);
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 4096) throw new VectorStoreInputError(`invalid dimensions ${dimensions}`);
    const existing = await this.existingDimensions(index);
    if (existing === undefined) {
      try {
        await this.client.indices.create({
          index,
          settings: { number_of_shards: 1, number_of_replicas: 0 },
          mappings: {
            dynamic: 'strict',
            properties: {
              id: { type: 'keyword' },
              // Plain float HNSW: the int8 default would change scores by ~1e-3 and the ranking of near ties.
              vector: { type: 'dense_vector', dims: dimensions, index: true, similarity: 'cosine', index_options: { type: 'hnsw' } },
              // Payload fields are filters only: strings as exact keywords, numbers and booleans as they are.
              payload: {
                type: 'object',
                dynamic: true,
                properties: {},
              },
            },
            dynamic_templates: [{ payload_strings: { path_match: 'payload.*', match_mapping_type: 'string', mapping: { type: 'keyword' } } }],
          },
        });
      } catch (err) {
        // Another process created it first: fine, as long as the dimensions agree (checked below).
        if (!(err instanceof errors.ResponseError && err.body?.error?.type === 'resource_already_exists_exception')) throw err;
      }
    }
    const actual = existing ?? (await this.existingDimensions(index));
    if (actual !== dimensions) throw new VectorStoreInputError(`collection ${collection} has ${actual} dimensions, not ${dimensions}`);
    this.dimensions.set(collection, dimensions);
  }

  async upsert(collection: string, points: VectorPoint[]): Promise<void> {
    const index = this.indexOf(collection);
    assertPoints(points, this.dimensions.get(collection));
    if (points.length === 0) return;
    const operations = points.flatMap((p) => [{ index: { _index: index, _id: p.id } }, { id: p.id, vector: p.vector, payload: p.payload } satisfies StoredDoc]);
    const result = await this.client.bulk({ operations, refresh: this.refresh });
    if (result.errors) {
      const failed = result.items.find((item) => item.index?.error)?.index;
      throw new Error(`Elasticsearch refused point ${failed?._id}: ${failed?.error?.type} ${failed?.error?.reason}`);
    }
  }

  async deleteByIds(collection: string, ids: string[]): Promise<void> {
    const index = this.indexOf(collection);
    if (ids.length === 0) return;
    const result = await this.client.bulk({ operations: ids.map((id) => ({ delete: { _index: index, _id: id } })), refresh: this.refresh });
    // A missing point (or collection) is already deleted.
    const failed = result.items.find((item) => item.delete?.error && item.delete.status !== 404)?.delete;
    if (failed) throw new Error(`Elasticsearch could not delete ${failed._id}: ${failed.error?.type} ${failed.error?.reason}`);
  }

  async deleteByFilter(collection: string, filter: VectorFilter): Promise<void> {
    const index = this.indexOf(collection);
    assertFilter(filter);
    if (filterMatchesNothing(filter)) return;
    if (Object.keys(filter).length === 0) throw new VectorStoreInputError('deleteByFilter needs at least one condition');
    // The project's Elasticsearch (core modules only) has no _delete_by_query (the reindex module): find the matching
    // ids a page at a time and delete them in bulk, waiting for the refresh so the next page starts afresh.
    for (let page = 0; page < 10_000; page++) {
      const found = await this.client.search({ index, size: 1000, _source: false, query: { bool: { filter: termsOf(filter) } }, ignore_unavailable: true });
      const ids = found.hits.hits.map((hit) => hit._id!);
      if (ids.length === 0) return;
      await this.client.bulk({ operations: ids.map((id) => ({ delete: { _index: index, _id: id } })), refresh: 'wait_for' });
    }
    throw new Error(`deleteByFilter on ${collection} did not finish`);
  }

  async search(collection: string, vector: number[], options: { limit: number; filter: VectorFilter }): Promise<VectorHit[]> {
    const index = this.indexOf(collection);
    assertFilter(options.filter);
    const limit = Math.max(1, Math.min(Math.floor(options.limit), 1000));
    if (filterMatchesNothing(options.filter)) return [];
    const result = await this.client.search<StoredDoc>(
      {
        index,
        size: limit,
        ignore_unavailable: true,
        _source: ['id', 'payload'],
        knn: {
          field: 'vector',
          query_vector: vector,
          k: limit,
          // More candidates than hits per shard: recall of HNSW on filtered graphs improves markedly up to ~10x.
          num_candidates: Math.min(Math.max(limit * 10, 100), 10_000),
          filter: { bool: { filter: termsOf(options.filter) } },
        },
      },
      { ignore: [404] },
    );
    return (result.hits?.hits ?? []).map((hit) => ({
      id: hit._source?.id ?? hit._id!,
      score: (hit._score ?? 0) * 2 - 1,
      payload: hit._source?.payload ?? {},
    }));
  }

  /** Deletes a collection with its vectors (tests, reindexing into a fresh index). */
  async dropCollection(collection: string): Promise<void> {
    await this.client.indices.delete({ index: this.indexOf(collection), ignore_unavailable: true });
    this.dimensions.delete(collection);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async existingDimensions(index: string): Promise<number | undefined> {
    try {
      const mapping = await this.client.indices.getMapping({ index });
      const vector = mapping[index]?.mappings?.properties?.vector as { dims?: number } | undefined;
      return vector?.dims;
    } catch (err) {
      if (err instanceof errors.ResponseError && err.statusCode === 404) return undefined;
      throw err;
    }
  }
}

function termsOf(filter: VectorFilter): object[] {
  return Object.entries(filter).map(([key, value]) =>
    Array.isArray(value) ? { terms: { [`payload.${key}`]: value } } : { term: { [`payload.${key}`]: value } },
  );
}
