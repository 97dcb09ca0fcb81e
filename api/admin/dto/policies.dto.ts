import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { POLICY_ACTIONS, WEEKDAYS } from '../../../shared/policies/policy-engine';
import type { TraceEntry } from '../../../shared/policies/policy-engine';
import { IsTimestampString } from '../../common/validation/timestamp.validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class TimeWindowDto {
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(7) @IsIn(WEEKDAYS, { each: true })
  days?: (typeof WEEKDAYS)[number][];

  @IsOptional() @IsInt() @Min(0) @Max(23)
  fromHour?: number;

  @IsOptional() @IsInt() @Min(1) @Max(24)
  toHour?: number;

  /** IANA name, e.g. Europe/Paris. */
  @IsString() @IsNotEmpty() @MaxLength(64)
  timezone: string;

  @IsOptional() @IsBoolean()
  outside?: boolean;
}

export class PolicyRuleDto {
  @IsIn(['allow', 'deny'])
  effect: 'allow' | 'deny';

  @IsOptional() @IsString() @MaxLength(200)
  description?: string;

  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(64, { each: true })
  roles?: string[];

  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsUUID('all', { each: true })
  teams?: string[];

  /** Model ids; a trailing * matches a prefix. */
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(200, { each: true })
  models?: string[];

  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(64, { each: true })
  tools?: string[];

  /** Workflow ids as the /workflows routes name them (a declared definition's id, or `code:<name>`). */
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(200, { each: true })
  workflows?: string[];

  /** Matches when the (estimated) cost is above this, in USD. */
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0)
  costAboveUsd?: number;

  @IsOptional() @IsArray() @ArrayMaxSize(20) @IsString({ each: true }) @MaxLength(64, { each: true })
  classifications?: string[];

  @IsOptional() @ValidateNested() @Type(() => TimeWindowDto)
  timeWindow?: TimeWindowDto;
}

export class CreatePolicyDto {
  @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(100)
  name: string;

  @IsOptional() @Transform(trim) @IsString() @MaxLength(500)
  description?: string;

  /** chat.turn, tool.run, workflow.execute or * (all). */
  @IsIn(POLICY_ACTIONS)
  action: string;

  @IsOptional() @IsBoolean()
  enabled?: boolean;

  /** Deny the action when no allow rule matches. */
  @IsOptional() @IsBoolean()
  defaultDeny?: boolean;

  @IsArray() @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => PolicyRuleDto)
  rules: PolicyRuleDto[];
}

export class UpdatePolicyDto {
  @IsOptional() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(100)
  name?: string;

  @IsOptional() @Transform(trim) @IsString() @MaxLength(500)
  description?: string;

  @IsOptional() @IsIn(POLICY_ACTIONS)
  action?: string;

  @IsOptional() @IsBoolean()
  enabled?: boolean;

  @IsOptional() @IsBoolean()
  defaultDeny?: boolean;

  @IsOptional() @IsArray() @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => PolicyRuleDto)
  rules?: PolicyRuleDto[];
}

export class SimulateSubjectDto {
  /** A real user: their role and teams. Otherwise give role (and teamIds). */
  @IsOptional() @IsUUID('all')
  userId?: string;

  @IsOptional() @IsString() @MaxLength(64)
  role?: string;

  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsUUID('all', { each: true })
  teamIds?: string[];
}

export class SimulateResourceDto {
  @IsString() @IsNotEmpty() @MaxLength(32)
  type: string;

  @IsOptional() @IsString() @MaxLength(200)
  model?: string;

  @IsOptional() @IsString() @MaxLength(64)
  tool?: string;

  /** The workflow's id, for workflow.execute. */
  @IsOptional() @IsString() @MaxLength(200)
  id?: string;

  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0)
  costUsd?: number;

  @IsOptional() @IsString() @MaxLength(64)
  classification?: string;
}

export class SimulatePolicyDto {
  @ValidateNested() @Type(() => SimulateSubjectDto)
  subject: SimulateSubjectDto;

  @IsIn(POLICY_ACTIONS.filter((a) => a !== '*'))
  action: string;

  @ValidateNested() @Type(() => SimulateResourceDto)
  resource: SimulateResourceDto;

  /** When to evaluate (ISO 8601); now by default. */
  @IsOptional() @IsISO8601({ strict: true }) @IsTimestampString()
  at?: string;
}

export class PolicyDto {
  id: string;
  name: string;
  description: string;
  action: string;
  enabled: boolean;
  defaultDeny: boolean;
  rules: PolicyRuleDto[];
  createdAt: string;
  updatedAt: string;
}

export class PolicyPageDto {
  items: PolicyDto[];
  nextCursor: string | null;
}

export class SimulationDto {
  decision: 'allow' | 'deny';
  deciding?: { policyId: string; policyName: string; rule: number | 'default' };
  trace: TraceEntry[];
}
