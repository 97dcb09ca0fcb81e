import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { KNOWN_ROLES } from '../../../shared/domain/roles';
import { CursorPageQuery } from '../../common/pagination/cursor-page';

export const TOOL_NAME = /^[a-z][a-z0-9_-]{1,63}$/;
export const TOOL_KINDS = ['http', 'builtin', 'workflow'] as const;
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const MAX_RESULT_BYTES = 1_048_576;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const queryBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class RetryPolicyDto {
  /** Attempts in all (1 = no retry). */
  @IsInt() @Min(1) @Max(10)
  maxAttempts: number;

  /** First retry delay, ms. */
  @IsOptional() @IsInt() @Min(10) @Max(600_000)
  initialMs?: number;

  @IsOptional() @IsNumber() @Min(1) @Max(10)
  coefficient?: number;

  /** Longest delay between attempts, ms. */
  @IsOptional() @IsInt() @Min(10) @Max(3_600_000)
  maxMs?: number;
}

export class HttpToolConfigDto {
  @IsIn(HTTP_METHODS)
  method: (typeof HTTP_METHODS)[number];

  /** http(s) URL; `{param}` placeholders are filled from the input, URL-encoded. */
  @IsString() @MinLength(8) @MaxLength(2048)
  urlTemplate: string;

  /** Header values may reference secrets as `{{secret:NAME}}` (set with PUT /tools/secrets/{name}). */
  @IsOptional() @IsObject()
  headers?: Record<string, string>;

  /** JSON body template: string values `{{input.x}}` are replaced by the input's values. */
  @IsOptional()
  bodyTemplate?: unknown;
}

export class WorkflowToolConfigDto {
  /** Id of a declared workflow definition the registrant can see; its current version runs at call time. */
  @IsUUID()
  definitionId: string;
}

/** Fields every version carries; PATCH may change any of them. */
class ToolFieldsDto {
  @IsOptional() @IsString() @MinLength(1) @MaxLength(2000)
  description?: string;

  @IsOptional() @Transform(trim) @IsString() @Matches(/^[a-z][a-z0-9_-]{0,63}$/, { message: 'category must be a lowercase slug' })
  category?: string;

  @IsOptional() @IsIn(TOOL_KINDS)
  kind?: (typeof TOOL_KINDS)[number];

  /** JSON Schema (draft 2020-12 subset Ajv supports) for the input object. */
  @IsOptional() @IsObject()
  inputSchema?: Record<string, unknown>;

  @IsOptional() @IsInt() @Min(100) @Max(300_000)
  timeoutMs?: number;

  @IsOptional() @ValidateNested() @Type(() => RetryPolicyDto)
  retry?: RetryPolicyDto;

  @IsOptional() @IsInt() @Min(1) @Max(MAX_RESULT_BYTES)
  resultMaxBytes?: number;

  /** 0: no caching; otherwise results are reused for identical input (canonical JSON hash) this long. */
  @IsOptional() @IsInt() @Min(0) @Max(86_400)
  cacheTtlSeconds?: number;

  @IsOptional() @IsNumber({ maxDecimalPlaces: 8 }) @Min(0) @Max(1000)
  costPerCallUsd?: number;

  /** Stored now; human approvals arrive with the approvals workflow. */
  @IsOptional() @IsBoolean()
  requiresApproval?: boolean;

  /** Roles that may see and run the tool (admins always can). Default: every role. */
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10) @IsIn(KNOWN_ROLES, { each: true })
  allowedRoles?: string[];

  @IsOptional() @ValidateNested() @Type(() => HttpToolConfigDto)
  http?: HttpToolConfigDto;

  /** Workflow tools: the definition to run (input: the tool input; result: the run's outputs). */
  @IsOptional() @ValidateNested() @Type(() => WorkflowToolConfigDto)
  workflow?: WorkflowToolConfigDto;
}

export class RegisterToolDto extends ToolFieldsDto {
  /** Lowercase slug, unique: `[a-z][a-z0-9_-]{1,63}`. */
  @IsString() @Matches(TOOL_NAME, { message: 'name must be a lowercase slug of 2–64 characters (a-z, 0-9, _ and -, starting with a letter)' })
  name: string;

  @IsString() @MinLength(1) @MaxLength(2000)
  declare description: string;

  @IsIn(TOOL_KINDS)
  declare kind: (typeof TOOL_KINDS)[number];
}

export class UpdateToolDto extends ToolFieldsDto {}

export class ListToolsQueryDto extends CursorPageQuery {
  /** Case-insensitive substring of the name or the description. */
  @IsOptional() @Transform(trim) @IsString() @MinLength(1) @MaxLength(200)
  q?: string;

  @IsOptional() @IsString() @MaxLength(64)
  category?: string;
}

export class ToolInputDto {
  /** The tool's input, checked against its inputSchema. */
  @IsObject()
  input: Record<string, unknown>;
}

export class ExecuteToolQueryDto {
  /** true: wait (up to a minute) and answer 200 with the result instead of 202 at once. */
  @IsOptional() @Transform(queryBoolean) @IsBoolean()
  wait?: boolean;
}

export class PutSecretDto {
  @IsString() @MinLength(1) @MaxLength(8192)
  value: string;
}

export class ToolVersionDto {
  version: number;
  description: string;
  category: string;
  kind: string;
  inputSchema: Record<string, unknown>;
  timeoutMs: number;
  retry: { maxAttempts: number; initialMs: number; coefficient: number; maxMs: number };
  resultMaxBytes: number;
  cacheTtlSeconds: number;
  costPerCallUsd: string;
  requiresApproval: boolean;
  allowedRoles: string[];
  /** HTTP tools: secret references stay references; values are never shown. */
  @ApiProperty({ type: () => HttpToolConfigDto, nullable: true })
  http: HttpToolConfigDto | null;
  @ApiProperty({ type: () => WorkflowToolConfigDto, nullable: true })
  workflow: WorkflowToolConfigDto | null;
  createdAt: string;
}

export class ToolDto extends ToolVersionDto {
  name: string;
  /** The version new runs use. */
  currentVersion: number;
  updatedAt: string;
}

export class ToolPageDto {
  items: ToolDto[];
  nextCursor: string | null;
}

export class ToolVersionPageDto {
  items: ToolVersionDto[];
  nextCursor: string | null;
}

export class ToolRunDto {
  runId: string;
  /** `tool-run:<runId>` in Temporal. */
  workflowId: string;
  tool: string;
  version: number;
  status: string;
  cached?: boolean;
  latencyMs?: number | null;
  costUsd?: string;
  /** Whatever the tool returned: any JSON value. */
  @ApiPropertyOptional({ anyOf: [{ type: 'object' }, { type: 'array', items: {} }, { type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'null' }] })
  result?: unknown;
  @ApiPropertyOptional({
    nullable: true,
    type: 'object',
    properties: { type: { type: 'string' }, message: { type: 'string' }, upstreamStatus: { type: 'number' } },
    required: ['type', 'message'],
  })
  error?: { type: string; message: string; upstreamStatus?: number } | null;
  createdAt?: string;
  completedAt?: string | null;
}

export class ToolUsageDto {
  tool: string;
  /** all: every caller (tools:manage); own: the caller's runs only. */
  scope: 'all' | 'own';
  calls: number;
  errors: number;
  cachedCalls: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  costUsd: string;
}
