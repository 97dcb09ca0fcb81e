import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { IsTimestamp } from '../../common/validation/timestamp.validator';

/** `true`/`false` in a query string; anything else stays a string and fails @IsBoolean. */
const queryBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ListModelsQuery {
  /** Include models whose provider is not configured here (they show `available: false`). */
  @IsOptional() @Transform(queryBoolean) @IsBoolean()
  all?: boolean;
}

/** Whose usage, and over which period: `from` ≤ createdAt < `to` (ISO 8601). */
export class ModelUsageQuery {
  /** Another user's usage; needs users:read (admins). */
  @IsOptional() @IsUUID()
  userId?: string;

  @IsOptional() @IsTimestamp()
  from?: Date;

  @IsOptional() @IsTimestamp()
  to?: Date;
}

export class CompareModelsQuery extends ModelUsageQuery {
  /** Two to ten model ids, comma-separated. */
  @IsString() @MaxLength(2000) @Matches(/^[^,]+(,[^,]+)+$/, { message: 'ids must list at least two model ids, comma-separated' })
  ids: string;
}

/** An OpenAI `model` object, enriched with the gateway's catalogue fields. */
export class ModelDto {
  id: string;
  object: 'model';
  /** Unix seconds: when the entry joined the catalogue. */
  created: number;
  owned_by: string;
  provider: string;
  contextTokens: number;
  /** USD per million tokens. */
  inputPricePerMTok: number;
  outputPricePerMTok: number;
  /** Tried in order when this model's provider fails with a retryable error or is not configured. */
  fallbacks: string[];
  /** Whether this model's own provider is configured on this gateway. */
  available: boolean;
}

export class ModelListDto {
  object: 'list';
  data: ModelDto[];
}

export class ModelUsageDto {
  model: string;
  userId: string;
  from: string | null;
  to: string | null;
  /** Chat turns billed to this model (the model that actually answered, after any fallback). */
  turns: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** USD as an exact decimal string. */
  costUsd: string;
}

export class ComparedModelDto extends ModelDto {
  usage: ModelUsageDto;
}

export class ModelComparisonDto {
  object: 'list';
  data: ComparedModelDto[];
}
