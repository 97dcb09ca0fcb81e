import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { AnalyticsQueryDto, SearchFiltersDto, SemanticSearchDto, SuggestionsQueryDto, TrendingQueryDto, UniversalSearchDto } from './dto/search-request.dto';
import { SearchAnalyticsDto, SearchResponseDto, SuggestionsResponseDto, TrendingResponseDto } from './dto/search-response.dto';
import { ReconcileRunDto, ReindexRunDto } from './dto/search-maintenance.dto';
import { SearchMaintenanceService } from './search-maintenance.service';
import { SearchService } from './search.service';

@ApiTags('search')
@ApiBearerAuth()
@ApiServiceUnavailableResponse({ description: 'The search engine is down (Retry-After)' })
@Controller('search')
export class SearchController {
  constructor(
    private readonly search: SearchService,
    private readonly maintenance: SearchMaintenanceService,
  ) {}

  /** Everything the caller may see: own conversations, messages and workflows, tools for their role, users with users:read. */
  @Post()
  @HttpCode(HttpStatus.OK)
  @RequirePermissions(Permission.ConversationsRead)
  universal(@CurrentPrincipal() p: Principal, @Body() dto: UniversalSearchDto): Promise<SearchResponseDto> {
    return this.search.universal(p, dto);
  }

  @Post('conversations')
  @HttpCode(HttpStatus.OK)
  @RequirePermissions(Permission.ConversationsRead)
  conversations(@CurrentPrincipal() p: Principal, @Body() dto: SearchFiltersDto): Promise<SearchResponseDto> {
    return this.search.conversations(p, dto);
  }

  @Post('messages')
  @HttpCode(HttpStatus.OK)
  @RequirePermissions(Permission.ConversationsRead)
  messages(@CurrentPrincipal() p: Principal, @Body() dto: SearchFiltersDto): Promise<SearchResponseDto> {
    return this.search.messages(p, dto);
  }

  @Post('users')
  @HttpCode(HttpStatus.OK)
  @RequirePermissions(Permission.UsersRead)
  users(@CurrentPrincipal() p: Principal, @Body() dto: SearchFiltersDto): Promise<SearchResponseDto> {
    return this.search.users(p, dto);
  }

  /** By meaning (embeddings), or hybrid: BM25 and vectors fused by reciprocal rank (k = 60). */
  @Post('semantic')
  @HttpCode(HttpStatus.OK)
  @RequirePermissions(Permission.ConversationsRead)
  semantic(@CurrentPrincipal() p: Principal, @Body() dto: SemanticSearchDto): Promise<SearchResponseDto> {
    const { mode = 'semantic', ...rest } = dto;
    return this.search.semantic(p, rest, mode);
  }

  /** Completions as you type, from the caller's own conversation titles, tags and workflow names. */
  @Get('suggestions')
  @RequirePermissions(Permission.ConversationsRead)
  suggestions(@CurrentPrincipal() p: Principal, @Query() q: SuggestionsQueryDto): Promise<SuggestionsResponseDto> {
    return this.search.suggestions(p, q);
  }

  /** Frequent queries: those enough distinct users issued, and the caller's own. */
  @Get('trending')
  @RequirePermissions(Permission.ConversationsRead)
  trending(@CurrentPrincipal() p: Principal, @Query() q: TrendingQueryDto): Promise<TrendingResponseDto> {
    return this.search.trending(p, q);
  }

  /** Admins: query volume, zero-result queries, latency percentiles and the index lag. */
  @Get('analytics')
  @RequirePermissions(Permission.StatsRead)
  analytics(@Query() q: AnalyticsQueryDto): Promise<SearchAnalyticsDto> {
    return this.search.analyticsReport(q);
  }

  /** Operators: compare Postgres and the index now and repair drift (the schedule does it hourly). */
  @Post('reconcile')
  @HttpCode(HttpStatus.OK)
  @RequirePermissions(Permission.SystemManage)
  reconcile(): Promise<ReconcileRunDto> {
    return this.maintenance.reconcile();
  }

  /** Operators: rebuild the index into a new version from Postgres and swap the alias (no downtime). */
  @Post('reindex')
  @HttpCode(HttpStatus.OK)
  @RequirePermissions(Permission.SystemManage)
  reindex(): Promise<ReindexRunDto> {
    return this.maintenance.reindex();
  }
}
