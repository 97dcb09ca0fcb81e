import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { MAX_COMMENT_LENGTH, type ApprovalDecision, type ApprovalStatus } from '../../../workflows/approval/approval.contract';
import { CursorPageQuery } from '../../common/pagination/cursor-page';
import { IsTimestampString } from '../../common/validation/timestamp.validator';

const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const KIND = /^[a-z0-9][a-z0-9:_-]{0,63}$/;
export const APPROVAL_STATUSES: ApprovalStatus[] = ['pending', 'approved', 'rejected', 'expired'];

export class ApprovalDecidersDto {
  /** Anyone with one of these roles may decide. */
  @IsOptional() @IsArray() @ArrayMaxSize(20) @IsString({ each: true }) @MaxLength(64, { each: true })
  roles?: string[];

  /** These users may decide. */
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsUUID('all', { each: true })
  userIds?: string[];
}

export class CreateApprovalDto {
  /** What waits for the decision: tool-run, workflow-step, … (lower case, digits, `:_-`). */
  @Matches(KIND, { message: 'kind must be 1–64 lower-case letters, digits, ":", "_" or "-"' })
  kind: string;

  @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(200)
  title: string;

  /** Any JSON object shown to the deciders (at most 16 KB serialized). */
  @IsOptional() @IsObject()
  details?: Record<string, unknown>;

  @ValidateNested() @Type(() => ApprovalDecidersDto)
  deciders: ApprovalDecidersDto;

  /** Request on behalf of another user (approvals:manage); default: the caller. */
  @IsOptional() @IsUUID('all')
  requesterId?: string;

  /** May the requester decide their own request? Default false. */
  @IsOptional() @IsBoolean()
  allowSelfApproval?: boolean;

  /** ISO date-time; wins over timeout. */
  @IsOptional() @IsISO8601({ strict: true }) @IsTimestampString()
  expiresAt?: string;

  /** ISO 8601 duration (e.g. P3D, PT12H); default P3D. */
  @IsOptional() @IsString() @MaxLength(32)
  timeout?: string;

  /** ISO 8601 durations between reminders; the last repeats (["P1D"]: every day). */
  @IsOptional() @IsArray() @ArrayMaxSize(10) @IsString({ each: true }) @MaxLength(32, { each: true })
  reminders?: string[];
}

export class ListApprovalsQueryDto extends CursorPageQuery {
  /** true: the requests the caller made (any status) instead of those the caller may decide. */
  @IsOptional() @Transform(toBool) @IsBoolean()
  mine?: boolean;

  /** Default: pending (for decidable ones), any (for mine). */
  @IsOptional() @IsIn(APPROVAL_STATUSES)
  status?: ApprovalStatus;

  @IsOptional() @Matches(KIND, { message: 'kind must be 1–64 lower-case letters, digits, ":", "_" or "-"' })
  kind?: string;
}

export class DecideApprovalDto {
  @IsOptional() @IsString() @MaxLength(MAX_COMMENT_LENGTH)
  comment?: string;
}

export class ApprovalDto {
  id: string;
  /** `approval:<id>`. */
  workflowId: string;
  kind: string;
  title: string;
  details: unknown;
  requesterId: string;
  deciders: { roles: string[]; userIds: string[] };
  allowSelfApproval: boolean;
  /** A pending request past its expiry shows as expired (the workflow records it a moment later). */
  status: ApprovalStatus;
  decision: ApprovalDecision | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  comment: string | null;
  expiresAt: Date;
  createdAt: Date;
  /** Whether the caller may decide it now. */
  canDecide: boolean;
}

export class ApprovalPageDto {
  items: ApprovalDto[];
  nextCursor: string | null;
}

export class ApprovalRequestedDto {
  id: string;
  workflowId: string;
  status: 'pending';
  expiresAt: string;
}
