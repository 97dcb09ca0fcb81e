import type { SearchKind } from './search-index';

/** Who searches: applied inside every query (hits, counts, facets, suggestions all see the same set). */
export interface SearchScope {
  userId: string;
  role: string;
  tenantId: string;
  /** users:read: user documents are visible. */
  seeUsers: boolean;
  /** tools:read: tools allowed for the caller's role are visible (tools:manage: all). */
  seeTools: boolean;
  seeAllTools: boolean;
}

export type SearchSort = 'relevance' | 'newest' | 'oldest';
export type SearchMode = 'fulltext' | 'semantic' | 'hybrid';

export interface SearchFilters {
  conversationId?: string;
  folder?: string;
  tag?: string;
  role?: string;
  model?: string;
  fileType?: string;
  from?: Date;
  to?: Date;
}

export interface SearchQuery {
  text: string;
  kinds: SearchKind[];
  filters: SearchFilters;
  sort: SearchSort;
  limit: number;
  /** Sort values of the previous page's last hit (from a verified cursor). */
  after?: unknown[];
  fuzzy: boolean;
  facets: boolean;
  mode: SearchMode;
  /** The query's embedding (semantic and hybrid). */
  vector?: number[];
}

/** A highlighted excerpt: plain text (never HTML) and the matched ranges as UTF-16 offsets into it. */
export interface Highlight {
  field: 'title' | 'content';
  text: string;
  ranges: Array<{ start: number; end: number }>;
}

export interface SearchHit {
  kind: SearchKind;
  id: string;
  score: number | null;
  title: string;
  conversationId: string | null;
  role: string | null;
  model: string | null;
  folder: string | null;
  tags: string[];
  createdAt: string;
  highlights: Highlight[];
}

export interface FacetBucket {
  value: string;
  count: number;
}

export interface SearchResult {
  total: number;
  /** 'gte' when the count stopped at the engine's tracking limit. */
  totalRelation: 'eq' | 'gte';
  hits: SearchHit[];
  facets: Record<string, FacetBucket[]>;
  didYouMean: string | null;
  /** Sort values after the last hit, when more may follow. */
  last: unknown[] | null;
}

export interface Suggestion {
  text: string;
  kind: SearchKind;
  id: string;
}

/** Elasticsearch or Postgres full-text behind one interface (SEARCH_ENGINE). */
export interface SearchEngine {
  readonly name: 'elasticsearch' | 'postgres';
  search(scope: SearchScope, query: SearchQuery): Promise<SearchResult>;
  suggest(scope: SearchScope, prefix: string, limit: number): Promise<Suggestion[]>;
}

/** Facets every engine reports (the Postgres fallback only `kind`). */
export const FACET_FIELDS = ['kind', 'role', 'model', 'tags', 'folder', 'fileType'] as const;
