import { Transform } from 'class-transformer';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { NoNul, Trim } from '../../conversations/dto/conversation-fields';
import { IsTimestamp } from '../../common/validation/timestamp.validator';

export const SEARCHABLE_KINDS = ['conversation', 'message', 'tool', 'workflow', 'user', 'file'] as const;
export type SearchableKind = (typeof SEARCHABLE_KINDS)[number];
/** A page holds at most this many hits; a cursor walks at most MAX_SEARCH_PAGES pages. */
export const MAX_SEARCH_LIMIT = 50;
export const MAX_SEARCH_PAGES = 20;

/** Filters and paging common to every search route. */
export class SearchFiltersDto {
  /** Words to find (fuzzy unless fuzzy=false): 1–500 characters. */
  @Trim() @IsString() @NoNul() @IsNotEmpty() @MinLength(1) @MaxLength(500)
  query: string;

  @IsOptional() @IsUUID('all')
  conversationId?: string;

  @IsOptional() @Trim() @IsString() @NoNul() @IsNotEmpty() @MinLength(1) @MaxLength(200)
  folder?: string;

  @IsOptional() @Trim() @IsString() @NoNul() @IsNotEmpty() @MinLength(1) @MaxLength(50)
  tag?: string;

  /** Message role (user, assistant) or, for users, the user's role. */
  @IsOptional() @IsString() @NoNul() @IsNotEmpty() @MinLength(1) @MaxLength(64)
  role?: string;

  @IsOptional() @IsString() @NoNul() @IsNotEmpty() @MinLength(1) @MaxLength(200)
  model?: string;

  /** Files' detected type (e.g. application/pdf), once files are indexed. */
  @IsOptional() @IsString() @NoNul() @IsNotEmpty() @MinLength(1) @MaxLength(200)
  fileType?: string;

  /** ISO 8601; inclusive. */
  @IsOptional() @IsTimestamp()
  from?: Date;

  /** ISO 8601; inclusive. */
  @IsOptional() @IsTimestamp()
  to?: Date;

  /** relevance (default), newest or oldest. */
  @IsOptional() @IsIn(['relevance', 'newest', 'oldest'])
  sort?: 'relevance' | 'newest' | 'oldest';

  /** Hits per page, 1–50 (default 20). */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_SEARCH_LIMIT })
  @IsOptional() @IsInt() @Min(1) @Max(MAX_SEARCH_LIMIT)
  limit?: number;

  /** nextCursor of the previous page (valid only for the same query and filters). */
  @IsOptional() @IsString() @MaxLength(2048) @Matches(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, { message: 'cursor must be a cursor returned by this search' })
  cursor?: string;

  /** Typo-tolerant matching (default true). */
  @IsOptional() @IsBoolean()
  fuzzy?: boolean;

  /** Counts per kind, role, model, tag, folder and file type (default true). */
  @IsOptional() @IsBoolean()
  facets?: boolean;
}

/** POST /search: every kind the caller may see, or the listed ones. */
export class UniversalSearchDto extends SearchFiltersDto {
  @ApiPropertyOptional({ type: [String], enum: SEARCHABLE_KINDS, minItems: 1, maxItems: SEARCHABLE_KINDS.length })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(SEARCHABLE_KINDS.length) @IsIn(SEARCHABLE_KINDS, { each: true })
  kinds?: SearchableKind[];

  /** fulltext (default, BM25), semantic (vectors) or hybrid (both, fused by reciprocal rank). */
  @IsOptional() @IsIn(['fulltext', 'semantic', 'hybrid'])
  mode?: 'fulltext' | 'semantic' | 'hybrid';
}

/** POST /search/semantic: nearest messages and conversations by meaning. */
export class SemanticSearchDto extends SearchFiltersDto {
  /** semantic (default) or hybrid. */
  @IsOptional() @IsIn(['semantic', 'hybrid'])
  mode?: 'semantic' | 'hybrid';
}

// Query strings arrive as text.
const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);

export class SuggestionsQueryDto {
  /** What the caller has typed so far: 1–100 characters. */
  @Trim() @IsString() @NoNul() @IsNotEmpty() @MinLength(1) @MaxLength(100)
  q: string;

  /** 1–20 (default 10). */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 20 })
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(20)
  limit?: number;
}

export class TrendingQueryDto {
  /** Look-back in hours, 1–720 (default 168). */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 720 })
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(720)
  hours?: number;

  /** 1–50 (default 10). */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 50 })
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(50)
  limit?: number;
}

export class AnalyticsQueryDto {
  /** Look-back in hours, 1–720 (default 24). */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 720 })
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(720)
  hours?: number;
}
