// One Elasticsearch index for every searchable kind (one query serves universal search, facets and one
// access filter). Readers and writers use the alias `<prefix>-search`; a reindex builds
// `<prefix>-search-v<n+1>` beside it and swaps the alias atomically.
//
// Adding a kind (e.g. "file" when /files lands): add it to SEARCH_KINDS, fill ownerId (access), title
// (file name), content (chunk text), fileId/fileType, let its table's trigger write the outbox (see
// Migration20261202100100), and add a loader in activities/search/search-documents.ts. The access
// filter already treats every owned kind alike (OWNED_KINDS).

export const SEARCH_KINDS = ['conversation', 'message', 'tool', 'workflow', 'user', 'file'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];
/** Kinds a user sees only when they own them. */
export const OWNED_KINDS: SearchKind[] = ['conversation', 'message', 'workflow', 'file'];
/** Kinds with a Postgres loader today ("file" plugs in with the files feature). */
export const INDEXED_KINDS: SearchKind[] = ['conversation', 'message', 'tool', 'workflow', 'user'];

/** Single-tenant installations index everything under this tenant id (the filter is there for multi-tenant). */
export const DEFAULT_TENANT = 'default';

export interface SearchDocument {
  kind: SearchKind;
  id: string;
  tenantId: string;
  /** Owner of owned kinds; null for tools and users. */
  ownerId: string | null;
  /** Tools: the roles that may see them. */
  allowedRoles?: string[];
  title: string;
  content: string;
  conversationId?: string | null;
  folder?: string | null;
  tags?: string[];
  role?: string | null;
  model?: string | null;
  fileId?: string | null;
  fileType?: string | null;
  shared?: boolean;
  createdAt: string;
  updatedAt: string;
  /** Completion inputs (caller's own data only: the owner context). */
  suggest?: { input: string[]; contexts: { owner: string[] } };
}

/** A document plus its external version (the row's search_version). */
export interface VersionedDocument {
  doc: SearchDocument;
  version: number;
}

export const docId = (kind: SearchKind, id: string) => `${kind}:${id}`;

export function searchAlias(prefix: string): string {
  return `${prefix}-search`;
}
export function searchIndexName(prefix: string, version: number): string {
  return `${prefix}-search-v${version}`;
}
/** Set while a reindex builds its new index: the indexer writes there too, so no change is missed. */
export function buildingAlias(prefix: string): string {
  return `${prefix}-search-building`;
}

const text = { type: 'text', analyzer: 'standard' } as const;
const keyword = { type: 'keyword' } as const;

/** Mapping: strict (a typo in a loader fails loudly), standard analyzer (this build has no analysis-common). */
export const SEARCH_INDEX_BODY = {
  settings: { number_of_shards: 1, number_of_replicas: 0, 'index.max_result_window': 10000 },
  mappings: {
    dynamic: 'strict',
    properties: {
      kind: keyword,
      id: keyword,
      tenantId: keyword,
      ownerId: keyword,
      allowedRoles: keyword,
      title: { ...text, fields: { raw: { type: 'keyword', ignore_above: 256 } } },
      content: text,
      conversationId: keyword,
      folder: keyword,
      tags: keyword,
      role: keyword,
      model: keyword,
      fileId: keyword,
      fileType: keyword,
      shared: { type: 'boolean' },
      createdAt: { type: 'date' },
      updatedAt: { type: 'date' },
      suggest: { type: 'completion', analyzer: 'standard', contexts: [{ name: 'owner', type: 'category' }] },
    },
  },
} as const;
