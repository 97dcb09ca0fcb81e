import { IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class CreateWorkflowDto {
  /** The definition as YAML or JSON text (one of source, definition, templateId). */
  @IsOptional() @IsString() @MinLength(1) @MaxLength(200_000)
  source?: string;

  /** The definition as a JSON object. */
  @IsOptional() @IsObject()
  definition?: Record<string, unknown>;

  /** A shipped template (GET /workflows/templates). */
  @IsOptional() @IsString() @Matches(/^[a-z0-9-]{1,64}$/)
  templateId?: string;

  /** With templateId: the new definition's name instead of the template's. */
  @IsOptional() @IsString() @MinLength(1) @MaxLength(200)
  name?: string;

  /** Parse source as this format (default: JSON when it starts with { or [, else YAML). */
  @IsOptional() @IsIn(['yaml', 'json'])
  format?: 'yaml' | 'json';
}

export class PatchWorkflowDto {
  @IsOptional() @IsString() @MinLength(1) @MaxLength(200_000)
  source?: string;

  @IsOptional() @IsObject()
  definition?: Record<string, unknown>;

  @IsOptional() @IsIn(['yaml', 'json'])
  format?: 'yaml' | 'json';
}

export class ExecuteWorkflowDto {
  /** The run's input, validated against the definition's input schema. */
  @IsOptional() @IsObject()
  input?: Record<string, unknown>;
}

export class DecisionDto {
  @IsOptional() @IsString() @MaxLength(2000)
  comment?: string;
}

export class NamedSignalDto {
  /** The name a `wait: {signal}` node waits for. */
  @IsString() @Matches(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/)
  name: string;

  @IsOptional()
  payload?: unknown;
}
