import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Permission } from '../../../shared/domain/roles';
import type { ApiKey } from '../../../shared/persistence/entities';
import { IsTimestamp } from '../../common/validation/timestamp.validator';

export const API_KEY_SCOPES = [...Object.values(Permission), '*'];

export class CreateApiKeyDto {
  @IsString() @IsNotEmpty() @MaxLength(100)
  name: string;

  /** Permissions the key may use (narrowing its owner's role); '*' or omitted means all of them. */
  @IsOptional() @IsArray() @ArrayMaxSize(API_KEY_SCOPES.length) @ArrayUnique() @IsIn(API_KEY_SCOPES, { each: true })
  scopes?: string[];

  /** Lifetime in days (1–3650). Give this or expiresAt, not both; neither means no expiry. */
  @IsOptional() @IsInt() @Min(1) @Max(3650)
  expiresInDays?: number;

  /** ISO 8601 instant in the future. */
  @IsOptional() @IsTimestamp()
  expiresAt?: Date;
}

export class ApiKeyDto {
  id: string;
  name: string;
  /** `gk_<prefix>_…`: tells keys apart without revealing them. */
  prefix: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;

  static from(k: ApiKey): ApiKeyDto {
    return {
      id: k.id,
      name: k.name,
      prefix: k.prefix,
      scopes: k.scopes,
      createdAt: k.createdAt.toISOString(),
      expiresAt: k.expiresAt?.toISOString() ?? null,
      lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      revokedAt: k.revokedAt?.toISOString() ?? null,
    };
  }
}

export class CreatedApiKeyDto extends ApiKeyDto {
  /** The whole key. It is shown this once; only its hash is stored. */
  key: string;
}

export class ApiKeyPageDto {
  items: ApiKeyDto[];
  nextCursor: string | null;
}
