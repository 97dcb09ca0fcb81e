// Vector storage behind one contract: Elasticsearch dense_vector (the embedded default) or Qdrant when
// QDRANT_URL is set. Access control travels in the payload and is applied inside the query (filter), never
// by dropping hits afterwards.
export interface VectorPoint {
  /** Stable id of the document the vector stands for (e.g. "message:<uuid>", "chunk:<fileId>:<n>"). */
  id: string;
  vector: number[];
  /** Filterable fields: tenantId, ownerId, conversationId, fileId, kind … (string/number/boolean or arrays of them). */
  payload: Record<string, VectorPayloadValue>;
}

export type VectorPayloadValue = string | number | boolean | string[] | null;

/** Every key must match (AND); an array value means "any of". */
export type VectorFilter = Record<string, string | number | boolean | string[]>;

export interface VectorHit {
  id: string;
  score: number;
  payload: Record<string, VectorPayloadValue>;
}

export interface VectorStore {
  readonly engine: 'elasticsearch' | 'qdrant';
  /** Creates the collection if missing (idempotent). */
  ensureCollection(collection: string, dimensions: number): Promise<void>;
  /** Insert or replace by id (idempotent). */
  upsert(collection: string, points: VectorPoint[]): Promise<void>;
  deleteByIds(collection: string, ids: string[]): Promise<void>;
  deleteByFilter(collection: string, filter: VectorFilter): Promise<void>;
  search(collection: string, vector: number[], options: { limit: number; filter: VectorFilter }): Promise<VectorHit[]>;
}
