export class HighlightRangeDto {
  /** UTF-16 offsets into `text`. */
  start: number;
  end: number;
}

/** A matched excerpt as plain text (never HTML) with the matched ranges. */
export class HighlightDto {
  field: 'title' | 'content';
  text: string;
  ranges: HighlightRangeDto[];
}

export class SearchHitDto {
  kind: 'conversation' | 'message' | 'tool' | 'workflow' | 'user' | 'file';
  id: string;
  /** Relevance (sort=relevance); null otherwise. Hybrid: the fused RRF score. */
  score: number | null;
  /** Conversation title (conversations, messages), tool or workflow name, user name, file name. */
  title: string;
  conversationId: string | null;
  role: string | null;
  model: string | null;
  folder: string | null;
  tags: string[];
  createdAt: string;
  highlights: HighlightDto[];
}

export class FacetBucketDto {
  value: string;
  count: number;
}

export class SearchFacetsDto {
  kind?: FacetBucketDto[];
  role?: FacetBucketDto[];
  model?: FacetBucketDto[];
  tags?: FacetBucketDto[];
  folder?: FacetBucketDto[];
  fileType?: FacetBucketDto[];
}

export class SearchResponseDto {
  items: SearchHitDto[];
  /** Matches the caller may see (counted inside the access filter). */
  total: number;
  /** gte: the count stopped at 10,000. */
  totalRelation: 'eq' | 'gte';
  facets: SearchFacetsDto;
  /** A spelling that matches the caller's own data better, if any. */
  didYouMean: string | null;
  nextCursor: string | null;
  engine: 'elasticsearch' | 'postgres';
  mode: 'fulltext' | 'semantic' | 'hybrid';
  tookMs: number;
}

export class SuggestionDto {
  text: string;
  kind: 'conversation' | 'message' | 'tool' | 'workflow' | 'user' | 'file';
  id: string;
}

export class SuggestionsResponseDto {
  items: SuggestionDto[];
}

export class TrendingQueryItemDto {
  query: string;
  count: number;
}

export class TrendingResponseDto {
  /** Queries at least `minUsers` distinct users issued in the window (no single user's private text). */
  popular: TrendingQueryItemDto[];
  /** The caller's own frequent queries. */
  mine: TrendingQueryItemDto[];
  minUsers: number;
  hours: number;
}

export class IndexLagDto {
  /** Commit → searchable, over outbox rows indexed in the window (at most the last hour). */
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  samples: number;
  /** Outbox rows not indexed yet. */
  pending: number;
}

export class SearchAnalyticsDto {
  hours: number;
  engine: 'elasticsearch' | 'postgres';
  queries: number;
  distinctUsers: number;
  zeroResultQueries: number;
  /** Zero-result queries issued by at least `minUsers` distinct users (what the index lacks). */
  topZeroResult: TrendingQueryItemDto[];
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  minUsers: number;
  indexLag: IndexLagDto;
}
