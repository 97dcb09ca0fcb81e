import { randomUUID } from 'node:crypto';
import { ElasticsearchVectorStore } from '../../../shared/vectors/elasticsearch-vector-store';
import { QdrantVectorStore } from '../../../shared/vectors/qdrant-vector-store';
import type { VectorPoint, VectorStore } from '../../../shared/vectors/vector-store';
import { VectorStoreInputError } from '../../../shared/vectors/vector-store.validation';
import { reachable } from './reachable';

// One contract, run against every real engine: Elasticsearch always (./dev test starts it), Qdrant whenever a server
// answers at QDRANT_URL. Nothing here is a fake.

const DIMS = 8;

/** A unit vector pointing mostly along axis `axis`, nudged by `tilt` towards the next axis (so neighbours are ordered). */
function unit(axis: number, tilt = 0): number[] {
  const v = Array.from({ length: DIMS }, (_, i) => (i === axis ? 1 : i === (axis + 1) % DIMS ? tilt : 0));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

interface Droppable extends VectorStore {
  dropCollection(collection: string): Promise<void>;
}

function contract(makeStore: () => Droppable) {
  let store: Droppable;
  let collection: string;
  const alice = (n: number, axis: number, tilt: number, extra: Record<string, string | number | boolean | string[]> = {}): VectorPoint => ({
    id: `message:alice-${n}`,
    vector: unit(axis, tilt),
    payload: { tenantId: 't1', ownerId: 'alice', kind: 'message', conversationId: `c${n % 2}`, seq: n, pinned: n === 1, ...extra },
  });

  beforeAll(() => {
    store = makeStore();
  });
  beforeEach(async () => {
    collection = `contract-${randomUUID().slice(0, 8)}`;
    await store.ensureCollection(collection, DIMS);
  });
  afterEach(async () => {
    await store.dropCollection(collection);
  });

  it('ensureCollection is idempotent and refuses another dimension count', async () => {
    await expect(store.ensureCollection(collection, DIMS)).resolves.toBeUndefined();
    await expect(store.ensureCollection(collection, DIMS + 1)).rejects.toThrow(/dimensions/);
  });

  it('returns the nearest points first, with cosine scores and the payload, and respects the limit', async () => {
    await store.upsert(collection, [alice(1, 0, 0), alice(2, 0, 0.5), alice(3, 0, 2), alice(4, 4, 0)]);
    const hits = await store.search(collection, unit(0), { limit: 3, filter: { tenantId: 't1' } });
    expect(hits.map((h) => h.id)).toEqual(['message:alice-1', 'message:alice-2', 'message:alice-3']);
    expect(hits[0].score).toBeCloseTo(1, 3);
    expect(hits[1].score).toBeCloseTo(1 / Math.hypot(1, 0.5), 3);
    expect(hits[0].payload).toMatchObject({ tenantId: 't1', ownerId: 'alice', conversationId: 'c1', seq: 1, pinned: true });
  });

  it('applies the filter inside the query: another owner never appears, even when nearer and more numerous', async () => {
    const bob = Array.from({ length: 40 }, (_, n): VectorPoint => ({
      id: `message:bob-${n}`,
      vector: unit(0, n / 1000),
      payload: { tenantId: 't1', ownerId: 'bob', kind: 'message', conversationId: 'cb' },
    }));
    await store.upsert(collection, [...bob, alice(1, 0, 0.9), alice(2, 3, 0)]);
    const hits = await store.search(collection, unit(0), { limit: 2, filter: { tenantId: 't1', ownerId: 'alice' } });
    expect(hits.map((h) => h.id)).toEqual(['message:alice-1', 'message:alice-2']);
    const anyOf = await store.search(collection, unit(0), { limit: 5, filter: { ownerId: ['alice', 'carol'], conversationId: 'c1' } });
    expect(anyOf.map((h) => h.id)).toEqual(['message:alice-1']);
    expect(await store.search(collection, unit(0), { limit: 5, filter: { ownerId: [] } })).toEqual([]);
    expect(await store.search(collection, unit(0), { limit: 5, filter: { pinned: true, ownerId: 'alice' } })).toHaveLength(1);
  });

  it('matches a filter value against an array payload (any element)', async () => {
    await store.upsert(collection, [alice(1, 0, 0, { sharedWith: ['bob', 'dave'] }), alice(2, 0, 0.1, { sharedWith: ['erin'] })]);
    const hits = await store.search(collection, unit(0), { limit: 5, filter: { sharedWith: 'dave' } });
    expect(hits.map((h) => h.id)).toEqual(['message:alice-1']);
  });

  it('upsert replaces a point by id', async () => {
    await store.upsert(collection, [alice(1, 0, 0)]);
    await store.upsert(collection, [{ ...alice(1, 5, 0), payload: { tenantId: 't1', ownerId: 'alice', kind: 'message', seq: 99 } }]);
    const hits = await store.search(collection, unit(5), { limit: 5, filter: { ownerId: 'alice' } });
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ id: 'message:alice-1', payload: { seq: 99 } });
    expect(hits[0].score).toBeCloseTo(1, 3);
  });

  it('deletes by ids and by filter, and a missing id is no error', async () => {
    await store.upsert(collection, [alice(1, 0, 0), alice(2, 0, 0.1), alice(3, 0, 0.2), alice(4, 0, 0.3)]);
    await store.deleteByIds(collection, ['message:alice-1', 'message:nobody']);
    await store.deleteByFilter(collection, { conversationId: 'c1' });
    const hits = await store.search(collection, unit(0), { limit: 10, filter: { tenantId: 't1' } });
    expect(hits.map((h) => h.id)).toEqual(['message:alice-2', 'message:alice-4']);
    await store.deleteByFilter(collection, { ownerId: [] });
    expect(await store.search(collection, unit(0), { limit: 10, filter: { tenantId: 't1' } })).toHaveLength(2);
  });

  it('refuses bad input with a VectorStoreInputError', async () => {
    await expect(store.upsert(collection, [{ ...alice(1, 0, 0), vector: [1, 0] }])).rejects.toThrow(VectorStoreInputError);
    await expect(store.search(collection, unit(0), { limit: 1, filter: { 'payload.x': 'y' } })).rejects.toThrow(VectorStoreInputError);
    await expect(store.ensureCollection('Bad/Name', DIMS)).rejects.toThrow(VectorStoreInputError);
  });

  it('searching or deleting in a collection that does not exist finds nothing', async () => {
    expect(await store.search('contract-missing', unit(0), { limit: 3, filter: { tenantId: 't1' } })).toEqual([]);
    await expect(store.deleteByIds('contract-missing', ['x'])).resolves.toBeUndefined();
  });
}

const elasticsearchUrl = process.env.ELASTICSEARCH_URL;
describe('VectorStore contract: Elasticsearch', () => {
  if (!elasticsearchUrl) throw new Error('ELASTICSEARCH_URL is not set: run through ./dev test, which starts Elasticsearch');
  const stores: ElasticsearchVectorStore[] = [];
  afterAll(() => Promise.all(stores.map((s) => s.close())));
  contract(() => {
    const store = new ElasticsearchVectorStore({ url: elasticsearchUrl });
    stores.push(store);
    return store;
  });
});

const qdrantUrl = process.env.QDRANT_URL;
const qdrantUp = qdrantUrl ? reachable(`${qdrantUrl.replace(/\/$/, '')}/readyz`) : false;
if (!qdrantUp) {
  console.warn(`VectorStore contract: Qdrant SKIPPED — ${qdrantUrl ? `no Qdrant answers at ${qdrantUrl}` : 'QDRANT_URL is not set'} (docker compose up qdrant, then QDRANT_URL=http://127.0.0.1:6333)`);
}
(qdrantUp ? describe : describe.skip)('VectorStore contract: Qdrant', () => {
  contract(() => new QdrantVectorStore({ url: qdrantUrl! }));
});
