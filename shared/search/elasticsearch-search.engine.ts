import type { Client } from '@elastic/elasticsearch';
import type { estypes } from '@elastic/elasticsearch';
import { MARK_END, MARK_START, parseHighlight } from './highlight';
import type { FacetBucket, Highlight, SearchEngine, SearchHit, SearchQuery, SearchResult, SearchScope, Suggestion } from './search-engine';
import { FACET_FIELDS } from './search-engine';
import type { Embedder } from '../embeddings/embedder';
import type { VectorHit, VectorStore } from '../vectors/vector-store';
import { isIndexMissing } from './elasticsearch';
import { reciprocalRankFusion } from './rrf';
import { docId, OWNED_KINDS, searchAlias, type SearchDocument, type SearchKind } from './search-index';
import { SEARCH_VECTOR_COLLECTION, vectorFilter } from './search-vectors';

type Query = estypes.QueryDslQueryContainer;

/** The access filter, inside every query: owned kinds by owner, tools by role, users for users:read. */
export function accessFilter(scope: SearchScope): Query {
  const should: Query[] = [{ bool: { filter: [{ terms: { kind: OWNED_KINDS } }, { term: { ownerId: scope.userId } }] } }];
  if (scope.seeTools) {
    should.push({ bool: { filter: [{ term: { kind: 'tool' } }, ...(scope.seeAllTools ? [] : [{ term: { allowedRoles: scope.role } }])] } });
  }
  if (scope.seeUsers) should.push({ term: { kind: 'user' } });
  return { bool: { filter: [{ term: { tenantId: scope.tenantId } }], should, minimum_should_match: 1 } };
}

function filterClauses(scope: SearchScope, q: SearchQuery): Query[] {
  const f = q.filters;
  const clauses: Query[] = [accessFilter(scope), { terms: { kind: q.kinds } }];
  const term = (field: string, value: string | undefined) => value !== undefined && clauses.push({ term: { [field]: value } });
  term('conversationId', f.conversationId);
  term('folder', f.folder);
  term('tags', f.tag);
  term('role', f.role);
  term('model', f.model);
  term('fileType', f.fileType);
  if (f.from || f.to) clauses.push({ range: { createdAt: { ...(f.from ? { gte: f.from.toISOString() } : {}), ...(f.to ? { lte: f.to.toISOString() } : {}) } } });
  return clauses;
}

function textQuery(q: SearchQuery): Query {
  return {
    multi_match: {
      query: q.text,
      fields: ['title^2', 'content'],
      operator: 'and',
      ...(q.fuzzy ? { fuzziness: 'AUTO', prefix_length: 1, max_expansions: 20 } : {}),
    },
  };
}

function sortFor(q: SearchQuery): estypes.SortCombinations[] {
  if (q.sort === 'newest') return [{ createdAt: 'desc' }, { id: 'asc' }];
  if (q.sort === 'oldest') return [{ createdAt: 'asc' }, { id: 'asc' }];
  return ['_score', { createdAt: 'desc' }, { id: 'asc' }];
}

const HIGHLIGHT: estypes.SearchHighlight = {
  pre_tags: [MARK_START],
  post_tags: [MARK_END],
  fields: { title: { number_of_fragments: 0 }, content: { fragment_size: 160, number_of_fragments: 3 } },
};

export function toHit(h: estypes.SearchHit<SearchDocument>, score: number | null): SearchHit {
  const d = h._source!;
  const highlights: Highlight[] = [];
  for (const field of ['title', 'content'] as const) for (const frag of h.highlight?.[field] ?? []) highlights.push(parseHighlight(field, frag));
  return {
    kind: d.kind,
    id: d.id,
    score,
    title: d.title,
    conversationId: d.conversationId ?? null,
    role: d.role ?? null,
    model: d.model ?? null,
    folder: d.folder ?? null,
    tags: d.tags ?? [],
    createdAt: d.createdAt,
    highlights,
  };
}

function facetsOf(aggs: Record<string, estypes.AggregationsAggregate> | undefined): Record<string, FacetBucket[]> {
  const out: Record<string, FacetBucket[]> = {};
  for (const field of FACET_FIELDS) {
    const agg = aggs?.[field] as estypes.AggregationsStringTermsAggregate | undefined;
    if (!agg) continue;
    out[field] = (agg.buckets as estypes.AggregationsStringTermsBucket[]).map((b) => ({ value: String(b.key), count: b.doc_count }));
  }
  return out;
}

/** "Did you mean" is looked for when the first page has fewer hits than this. */
export const DID_YOU_MEAN_BELOW = 3;

/** Semantic and hybrid rank at most this many candidates per side (and page through the fused list). */
export const SEMANTIC_WINDOW = 100;

/** The embedder or the vector store failed: a dependency down (503), not a bad query. */
export class SemanticUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`semantic search unavailable: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'SemanticUnavailableError';
  }
}

export interface SemanticDeps {
  embedder: Embedder;
  vectors: VectorStore;
}

export class ElasticsearchSearchEngine implements SearchEngine {
  readonly name = 'elasticsearch' as const;
  private readonly index: string;

  constructor(
    private readonly es: Client,
    prefix: string,
    private readonly semantic?: SemanticDeps,
  ) {
    this.index = searchAlias(prefix);
  }

  search(scope: SearchScope, q: SearchQuery): Promise<SearchResult> {
    return q.mode === 'fulltext' ? this.fulltext(scope, q) : this.byMeaning(scope, q);
  }

  /**
   * semantic: kNN over the caller's own vectors (access filter inside the kNN clause). hybrid: that list and
   * the BM25 list (same access filter) fused by reciprocal rank (k = 60); paging walks the fused window.
   */
  private async byMeaning(scope: SearchScope, q: SearchQuery): Promise<SearchResult> {
    if (!this.semantic) throw new SemanticUnavailableError('no embedder configured');
    const { embedder, vectors } = this.semantic;
    const offset = Number(q.after?.[0] ?? 0);
    let knn: VectorHit[];
    try {
      const [vector] = (await embedder.embed([q.text])).vectors;
      knn = await vectors.search(SEARCH_VECTOR_COLLECTION, vector, { limit: SEMANTIC_WINDOW, filter: vectorFilter(scope, q.kinds, q.filters) });
    } catch (err) {
      if (isIndexMissing(err)) knn = [];
      else throw new SemanticUnavailableError(err);
    }
    const lexical = q.mode === 'hybrid' ? await this.fulltext(scope, { ...q, limit: SEMANTIC_WINDOW, after: undefined, sort: 'relevance' }) : undefined;
    const lexicalKeys = (lexical?.hits ?? []).map((h) => docId(h.kind, h.id));
    const fused = q.mode === 'hybrid' ? reciprocalRankFusion([lexicalKeys, knn.map((h) => h.id)]) : knn.map((h) => ({ key: h.id, score: h.score }));
    const page = fused.slice(offset, offset + q.limit);
    const known = new Map((lexical?.hits ?? []).map((h) => [docId(h.kind, h.id), h]));
    const missing = page.map((f) => f.key).filter((k) => !known.has(k));
    if (missing.length) {
      // The documents behind vector hits, fetched under the same access filter (never by id alone).
      const res = await this.es.search<SearchDocument>({
        index: this.index,
        size: missing.length,
        query: { bool: { filter: [accessFilter(scope), { ids: { values: missing } }] } },
        highlight: { ...HIGHLIGHT, highlight_query: textQuery({ ...q, fuzzy: q.fuzzy }) },
      });
      for (const h of res.hits.hits) known.set(h._id!, toHit(h, null));
    }
    const hits = page.flatMap((f) => {
      const hit = known.get(f.key);
      return hit ? [{ ...hit, score: f.score }] : [];
    });
    return {
      total: fused.length,
      totalRelation: 'eq',
      hits,
      facets: lexical?.facets ?? {},
      didYouMean: lexical?.didYouMean ?? null,
      last: offset + q.limit < fused.length ? [offset + q.limit] : null,
    };
  }

  private async fulltext(scope: SearchScope, q: SearchQuery): Promise<SearchResult> {
    const filter = filterClauses(scope, q);
    const firstPage = !q.after;
    const res = await this.es.search<SearchDocument>({
      index: this.index,
      size: q.limit + 1,
      track_total_hits: 10_000,
      query: { bool: { must: [textQuery(q)], filter } },
      sort: sortFor(q),
      ...(q.after ? { search_after: q.after as estypes.FieldValue[] } : {}),
      highlight: HIGHLIGHT,
      ...(q.facets ? { aggs: Object.fromEntries(FACET_FIELDS.map((f) => [f, { terms: { field: f, size: 20 } }])) } : {}),
    });
    const hits = res.hits.hits.slice(0, q.limit);
    const total = typeof res.hits.total === 'number' ? { value: res.hits.total, relation: 'eq' } : res.hits.total!;
    // Spelling help only where it helps (few hits on the first page): the phrase suggester costs a request of its own.
    const candidates = firstPage && total.value < DID_YOU_MEAN_BELOW ? await this.spellings(q.text) : [];
    return {
      total: total.value,
      totalRelation: total.relation === 'eq' ? 'eq' : 'gte',
      hits: hits.map((h) => toHit(h, q.sort === 'relevance' ? (h._score ?? null) : null)),
      facets: facetsOf(res.aggregations),
      didYouMean: await this.verifiedSuggestion(scope, q, candidates),
      last: res.hits.hits.length > q.limit ? (hits[hits.length - 1].sort ?? null) : null,
    };
  }

  private async spellings(text: string): Promise<string[]> {
    const res = await this.es.search({
      index: this.index,
      size: 0,
      suggest: { didYouMean: { text, phrase: { field: 'content', size: 3, max_errors: 2, direct_generator: [{ field: 'content', suggest_mode: 'always', min_word_length: 3 }] } } },
    });
    return ((res.suggest?.didYouMean?.[0]?.options ?? []) as estypes.SearchPhraseSuggestOption[]).map((o) => o.text);
  }

  /**
   * The phrase suggester draws candidates from the whole index's terms; one is offered only if it matches
   * something the caller may see (a count under the same access filter), so no other user's words leak.
   */
  private async verifiedSuggestion(scope: SearchScope, q: SearchQuery, candidates: string[]): Promise<string | null> {
    for (const text of candidates) {
      if (text.toLowerCase() === q.text.trim().toLowerCase()) continue;
      const { count } = await this.es.count({
        index: this.index,
        query: { bool: { must: [textQuery({ ...q, text, fuzzy: false })], filter: filterClauses(scope, q) } },
      });
      if (count > 0) return text;
    }
    return null;
  }

  /** Completion over the caller's own titles (the owner context is the access filter). */
  async suggest(scope: SearchScope, prefix: string, limit: number): Promise<Suggestion[]> {
    const res = await this.es.search<SearchDocument>({
      index: this.index,
      size: 0,
      _source: ['kind', 'id'],
      suggest: {
        own: {
          prefix,
          completion: {
            field: 'suggest',
            size: limit,
            skip_duplicates: true,
            contexts: { owner: [scope.userId] },
            ...(prefix.length >= 4 ? { fuzzy: { fuzziness: 1 } } : {}),
          },
        },
      },
    });
    const options = (res.suggest?.own?.[0]?.options ?? []) as estypes.SearchCompletionSuggestOption<SearchDocument>[];
    return options.map((o) => ({ text: o.text, kind: o._source!.kind as SearchKind, id: o._source!.id }));
  }
}
