import type { VectorFilter, VectorPoint } from './vector-store';

/** Collection names become index names (Elasticsearch) and URL segments (Qdrant): keep them to a safe alphabet. */
const COLLECTION = /^[a-z0-9][a-z0-9_-]{0,99}$/;
/** Payload keys become field paths: no dots, no wildcards, nothing that could reach another field. */
const PAYLOAD_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

export class VectorStoreInputError extends Error {
  override name = 'VectorStoreInputError';
}

export function assertCollection(collection: string): void {
  if (!COLLECTION.test(collection)) throw new VectorStoreInputError(`invalid collection name "${collection}" (a-z, 0-9, _ and -, at most 100)`);
}

export function assertPoints(points: VectorPoint[], dimensions?: number): void {
  for (const point of points) {
    if (!point.id) throw new VectorStoreInputError('a vector point needs an id');
    if (dimensions !== undefined && point.vector.length !== dimensions) {
      throw new VectorStoreInputError(`point ${point.id} has ${point.vector.length} dimensions; the collection has ${dimensions}`);
    }
    if (!point.vector.every(Number.isFinite)) throw new VectorStoreInputError(`point ${point.id} has a non-finite component`);
    Object.keys(point.payload).forEach(assertPayloadKey);
  }
}

export function assertFilter(filter: VectorFilter): void {
  Object.keys(filter).forEach(assertPayloadKey);
}

/** An "any of" with no value matches nothing: access control with no grants must never widen to everything. */
export function filterMatchesNothing(filter: VectorFilter): boolean {
  return Object.values(filter).some((value) => Array.isArray(value) && value.length === 0);
}

function assertPayloadKey(key: string): void {
  if (!PAYLOAD_KEY.test(key)) throw new VectorStoreInputError(`invalid payload key "${key}"`);
}
