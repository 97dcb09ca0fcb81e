import { createHash } from 'node:crypto';
import { QdrantClient } from '@qdrant/js-client-rest';
import type { VectorFilter, VectorHit, VectorPayloadValue, VectorPoint, VectorStore } from './vector-store';
import { assertCollection, assertFilter, assertPoints, filterMatchesNothing, VectorStoreInputError } from './vector-store.validation';

/** Payload key holding the caller's string id (Qdrant ids are UUIDs or integers); payload keys never start with "_". */
const ORIGINAL_ID = '_id';
/** Namespace of the deterministic v5 UUIDs point ids are mapped to (fixed forever: changing it orphans stored points). */
const ID_NAMESPACE = Buffer.from('5b6e2f0c8f2a4c1e9d3b7a1e2c4d6f80', 'hex');

export interface QdrantVectorStoreOptions {
  url: string;
  apiKey?: string;
  collectionPrefix?: string;
}

/** VectorStore on Qdrant (QDRANT_URL): cosine collections, access control as the query's payload filter. */
export class QdrantVectorStore implements VectorStore {
  readonly engine = 'qdrant' as const;
  private readonly client: QdrantClient;
  private readonly prefix: string;
  private readonly dimensions = new Map<string, number>();

  constructor(options: QdrantVectorStoreOptions) {
    this.client = new QdrantClient({ url: options.url, apiKey: options.apiKey, checkCompatibility: false });
    this.prefix = options.collectionPrefix ?? 'gw-vectors-';
  }

  private nameOf(collection: string): string {
    assertCollection(collection);
    return `${this.prefix}${collection}`;
  }

  async ensureCollection(collection: string, dimensions: number): Promise<void> {
    const name = this.nameOf(collection);
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 4096) throw new VectorStoreInputError(`invalid dimensions ${dimensions}`);
    if (!(await this.client.collectionExists(name)).exists) {
      try {
        await this.client.createCollection(name, { vectors: { size: dimensions, distance: 'Cosine' } });
      } catch (err) {
        if ((err as { status?: number }).status !== 409) throw err; // created meanwhile by another process
      }
    }
    const info = await this.client.getCollection(name);
    const vectors = info.config.params.vectors as { size?: number } | undefined;
    if (vectors?.size !== dimensions) throw new VectorStoreInputError(`collection ${collection} has ${vectors?.size} dimensions, not ${dimensions}`);
    this.dimensions.set(collection, dimensions);
  }

  async upsert(collection: string, points: VectorPoint[]): Promise<void> {
    const name = this.nameOf(collection);
    assertPoints(points, this.dimensions.get(collection));
    if (points.length === 0) return;
    await this.client.upsert(name, {
      wait: true,
      points: points.map((p) => ({ id: pointUuid(p.id), vector: p.vector, payload: { ...p.payload, [ORIGINAL_ID]: p.id } })),
    });
  }

  async deleteByIds(collection: string, ids: string[]): Promise<void> {
    const name = this.nameOf(collection);
    if (ids.length === 0) return;
    await ignoreMissing(this.client.delete(name, { wait: true, points: ids.map(pointUuid) }), undefined);
  }

  async deleteByFilter(collection: string, filter: VectorFilter): Promise<void> {
    const name = this.nameOf(collection);
    assertFilter(filter);
    if (filterMatchesNothing(filter)) return;
    if (Object.keys(filter).length === 0) throw new VectorStoreInputError('deleteByFilter needs at least one condition');
    await ignoreMissing(this.client.delete(name, { wait: true, filter: qdrantFilter(filter) }), undefined);
  }

  async search(collection: string, vector: number[], options: { limit: number; filter: VectorFilter }): Promise<VectorHit[]> {
    const name = this.nameOf(collection);
    assertFilter(options.filter);
    if (filterMatchesNothing(options.filter)) return [];
    const limit = Math.max(1, Math.min(Math.floor(options.limit), 1000));
    const result = await ignoreMissing(
      this.client.query(name, { query: vector, limit, filter: qdrantFilter(options.filter), with_payload: true }),
      { points: [] },
    );
    return result.points.map((point) => {
      const { [ORIGINAL_ID]: id, ...payload } = (point.payload ?? {}) as Record<string, VectorPayloadValue>;
      return { id: String(id ?? point.id), score: point.score, payload };
    });
  }

  async dropCollection(collection: string): Promise<void> {
    await ignoreMissing(this.client.deleteCollection(this.nameOf(collection)), undefined);
    this.dimensions.delete(collection);
  }
}

/** RFC 4122 version-5 UUID of the id: the same string always maps to the same Qdrant point. */
export function pointUuid(id: string): string {
  const hash = createHash('sha1').update(ID_NAMESPACE).update(id, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function qdrantFilter(filter: VectorFilter) {
  return {
    must: Object.entries(filter).map(([key, value]) => ({ key, match: Array.isArray(value) ? { any: value } : { value } })),
  };
}

async function ignoreMissing<T>(operation: Promise<T>, fallback: T): Promise<T> {
  try {
    return await operation;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return fallback;
    throw err;
  }
}
