import { pointUuid } from './qdrant-vector-store';
import { assertCollection, assertFilter, assertPoints, filterMatchesNothing, VectorStoreInputError } from './vector-store.validation';

describe('vector store input rules', () => {
  it('accepts safe collection names and refuses anything that could reach another index or path', () => {
    expect(() => assertCollection('messages')).not.toThrow();
    expect(() => assertCollection('file-chunks_v2')).not.toThrow();
    for (const bad of ['', 'Messages', '../x', 'a/b', 'a*', '-x', 'x'.repeat(101), 'a,b']) expect(() => assertCollection(bad)).toThrow(VectorStoreInputError);
  });

  it('refuses payload and filter keys that are paths or wildcards, and vectors of the wrong length', () => {
    expect(() => assertFilter({ ownerId: 'a', tenant_id: ['x'] })).not.toThrow();
    for (const key of ['payload.x', 'a*', '_id', 'a b', '']) expect(() => assertFilter({ [key]: 'v' })).toThrow(VectorStoreInputError);
    expect(() => assertPoints([{ id: 'p', vector: [1, 0], payload: {} }], 3)).toThrow(/2 dimensions/);
    expect(() => assertPoints([{ id: 'p', vector: [1, NaN, 0], payload: {} }], 3)).toThrow(/non-finite/);
    expect(() => assertPoints([{ id: '', vector: [1], payload: {} }])).toThrow(/id/);
  });

  it('treats an empty "any of" as matching nothing', () => {
    expect(filterMatchesNothing({ ownerId: [] })).toBe(true);
    expect(filterMatchesNothing({ ownerId: ['a'], kind: 'message' })).toBe(false);
  });

  it('maps string ids to deterministic RFC 4122 version-5 UUIDs for Qdrant', () => {
    const id = pointUuid('message:1b2c');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pointUuid('message:1b2c')).toBe(id);
    expect(pointUuid('message:1b2d')).not.toBe(id);
  });
});
