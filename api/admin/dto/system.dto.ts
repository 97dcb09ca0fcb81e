import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { LOG_LEVELS } from '../runtime-settings.service';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class MaintenanceDto {
  @IsBoolean()
  enabled: boolean;

  @IsOptional() @Transform(trim) @IsString() @MaxLength(500)
  message?: string;

  /** Sent as Retry-After on the 503s (1 s – 1 day). */
  @IsOptional() @IsInt() @Min(1) @Max(86_400)
  retryAfterSeconds?: number;
}

export class PatchConfigDto {
  /** The version this change is based on: 409 when another change landed since. */
  @IsOptional() @IsInt() @Min(0)
  expectedVersion?: number;

  @IsOptional() @ValidateIf((_, v) => v !== null) @IsIn(LOG_LEVELS)
  logLevel?: (typeof LOG_LEVELS)[number] | null;

  @IsOptional() @IsInt() @Min(1) @Max(60)
  impersonationTtlMinutes?: number;

  @IsOptional() @IsInt() @Min(1) @Max(10_000)
  bulkImportMaxRows?: number;

  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(500)
  announcement?: string | null;

  @IsOptional() @IsBoolean()
  chatStreamFromApi?: boolean;
}
