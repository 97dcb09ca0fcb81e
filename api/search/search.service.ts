import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../shared/config/app-config';
import { Permission } from '../../shared/domain/roles';
import { isEngineUnavailable, isIndexMissing, isQueryRejected } from '../../shared/search/elasticsearch';
import type { SearchEngine, SearchMode, SearchQuery, SearchResult, SearchScope } from '../../shared/search/search-engine';
import { SemanticUnavailableError } from '../../shared/search/elasticsearch-search.engine';
import { InjectSearchEngine } from './search-engine.module';
import { DEFAULT_TENANT, type SearchKind } from '../../shared/search/search-index';
import { hasPermission, Principal } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';
import { AnalyticsQueryDto, MAX_SEARCH_PAGES, SearchFiltersDto, SearchableKind, SuggestionsQueryDto, TrendingQueryDto, UniversalSearchDto } from './dto/search-request.dto';
import { SearchAnalyticsDto, SearchResponseDto, SuggestionsResponseDto, TrendingResponseDto } from './dto/search-response.dto';
import { SearchAnalyticsRepository } from './search-analytics.repository';
import { SearchCursor } from './search-cursor';

const RETRY_AFTER_SECONDS = 5;
const EMPTY: SearchResult = { total: 0, totalRelation: 'eq', hits: [], facets: {}, didYouMean: null, last: null };

/** Search rules: who sees what (inside the engine's query), cursors and the page cap, the query log. */
@Injectable()
export class SearchService {
  private readonly log = new Logger(SearchService.name);
  private readonly cursors: SearchCursor;

  constructor(
    @InjectSearchEngine() private readonly engine: SearchEngine,
    private readonly analytics: SearchAnalyticsRepository,
    private readonly config: AppConfig,
  ) {
    this.cursors = new SearchCursor(config.JWT_SECRET);
  }

  scope(p: Principal): SearchScope {
    return {
      userId: p.userId,
      role: p.role,
      tenantId: DEFAULT_TENANT,
      seeUsers: hasPermission(p, Permission.UsersRead),
      seeTools: hasPermission(p, Permission.ToolsRead),
      seeAllTools: hasPermission(p, Permission.ToolsManage),
    };
  }

  /** Kinds the caller may search: asking for one it may not see is a 403, not silently nothing. */
  private kindsFor(p: Principal, asked: SearchableKind[] | undefined): SearchKind[] {
    const allowed: SearchableKind[] = ['conversation', 'message', 'workflow', 'file'];
    if (hasPermission(p, Permission.ToolsRead)) allowed.push('tool');
    if (hasPermission(p, Permission.UsersRead)) allowed.push('user');
    if (!asked) return allowed;
    const denied = asked.filter((k) => !allowed.includes(k));
    if (denied.length) throw Problems.forbidden(`You may not search ${denied.join(', ')}`);
    return [...new Set(asked)];
  }

  universal(p: Principal, dto: UniversalSearchDto) {
    return this.run(p, 'universal', dto, this.kindsFor(p, dto.kinds), dto.mode ?? 'fulltext');
  }

  conversations(p: Principal, dto: SearchFiltersDto) {
    return this.run(p, 'conversations', dto, ['conversation'], 'fulltext');
  }

  messages(p: Principal, dto: SearchFiltersDto) {
    return this.run(p, 'messages', dto, ['message'], 'fulltext');
  }

  users(p: Principal, dto: SearchFiltersDto) {
    return this.run(p, 'users', dto, ['user'], 'fulltext');
  }

  semantic(p: Principal, dto: SearchFiltersDto, mode: SearchMode) {
    return this.run(p, 'semantic', dto, ['conversation', 'message', 'file'], mode);
  }

  private async run(p: Principal, scopeName: string, dto: SearchFiltersDto, kinds: SearchKind[], mode: SearchMode): Promise<SearchResponseDto> {
    const started = performance.now();
    const { cursor, limit = 20, ...rest } = dto;
    const hash = SearchCursor.queryHash({ scopeName, kinds, mode, limit, ...rest });
    const state = this.cursors.decode(cursor, hash);
    if (mode !== 'fulltext' && this.engine.name !== 'elasticsearch') throw Problems.badRequest(`mode ${mode} needs SEARCH_ENGINE=elasticsearch`, [{ field: 'mode', message: 'not available on this engine' }]);
    // Vector payloads carry no dates (the store filters by terms only): refused rather than filtered after.
    if (mode !== 'fulltext' && (dto.from || dto.to)) throw Problems.badRequest(`from/to are not supported in ${mode} mode`, [{ field: dto.from ? 'from' : 'to', message: 'full-text only' }]);
    const query: SearchQuery = {
      text: dto.query,
      kinds,
      filters: { conversationId: dto.conversationId, folder: dto.folder, tag: dto.tag, role: dto.role, model: dto.model, fileType: dto.fileType, from: dto.from, to: dto.to },
      sort: dto.sort ?? 'relevance',
      limit,
      after: state?.after,
      fuzzy: dto.fuzzy ?? true,
      facets: dto.facets ?? true,
      mode,
    };
    const result = await this.guard(() => this.engine.search(this.scope(p), query), EMPTY);
    const page = (state?.page ?? 0) + 1;
    const tookMs = Math.round((performance.now() - started) * 10) / 10;
    // The log is analytics, not the answer: a failed insert never fails the search.
    if (!state) this.analytics.record(p.userId, scopeName, dto.query, result.total, tookMs).catch((err) => this.log.warn({ err: (err as Error).message }, 'search query not logged'));
    return {
      items: result.hits,
      total: result.total,
      totalRelation: result.totalRelation,
      facets: result.facets,
      didYouMean: result.didYouMean,
      nextCursor: result.last && page < MAX_SEARCH_PAGES ? this.cursors.encode({ after: result.last, page }, hash) : null,
      engine: this.engine.name,
      mode,
      tookMs,
    };
  }

  async suggestions(p: Principal, q: SuggestionsQueryDto): Promise<SuggestionsResponseDto> {
    return { items: await this.guard(() => this.engine.suggest(this.scope(p), q.q, q.limit ?? 10), []) };
  }

  async trending(p: Principal, q: TrendingQueryDto): Promise<TrendingResponseDto> {
    const hours = q.hours ?? 168;
    const limit = q.limit ?? 10;
    const minUsers = this.config.SEARCH_TRENDING_MIN_USERS;
    const [popular, mine] = await Promise.all([this.analytics.popular(hours, minUsers, limit), this.analytics.mine(p.userId, hours, limit)]);
    return { popular, mine, minUsers, hours };
  }

  async analyticsReport(q: AnalyticsQueryDto): Promise<SearchAnalyticsDto> {
    const hours = q.hours ?? 24;
    const minUsers = this.config.SEARCH_TRENDING_MIN_USERS;
    const [summary, topZeroResult, indexLag] = await Promise.all([
      this.analytics.summary(hours),
      this.analytics.popular(hours, minUsers, 20, true),
      this.analytics.indexLag(Math.min(hours, 1)),
    ]);
    return { hours, engine: this.engine.name, ...summary, topZeroResult, minUsers, indexLag };
  }

  /** Engine down → 503 + Retry-After; the index not created yet (fresh stack) → nothing found. */
  private async guard<T>(call: () => Promise<T>, whenNoIndex: T): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (isIndexMissing(err)) return whenNoIndex;
      if (isEngineUnavailable(err)) throw Problems.unavailable('The search engine is unavailable', RETRY_AFTER_SECONDS);
      if (err instanceof SemanticUnavailableError) {
        this.log.warn({ err: err.message }, 'semantic search unavailable');
        throw Problems.unavailable('Semantic search is unavailable (the embedder or the vector store failed)', RETRY_AFTER_SECONDS);
      }
      if (isQueryRejected(err)) throw Problems.badRequest('The search engine refused this query: simplify it');
      throw err;
    }
  }
}
