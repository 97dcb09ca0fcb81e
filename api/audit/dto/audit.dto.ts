import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import type { AuditEvent } from '../../../shared/persistence/entities';
import { IsTimestampString } from '../../common/validation/timestamp.validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** Search criteria (all optional, combined with AND). */
export class AuditFiltersDto {
  /** A user, session or API key id, or an email (signed-in or attempted). */
  @IsOptional() @Transform(trim) @IsString() @MinLength(1) @MaxLength(320)
  actor?: string;

  /** Exact action, e.g. `PATCH /users/:id` or `user.role_changed`. */
  @IsOptional() @IsString() @MinLength(1) @MaxLength(300)
  action?: string;

  /** e.g. users, conversations, user. */
  @IsOptional() @IsString() @MinLength(1) @MaxLength(100)
  resourceType?: string;

  @IsOptional() @IsString() @MinLength(1) @MaxLength(200)
  resourceId?: string;

  /** success, denied, or a domain outcome (approved, rejected…). */
  @IsOptional() @IsString() @MinLength(1) @MaxLength(40)
  outcome?: string;

  /** HTTP status of the audited request. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(100) @Max(599)
  statusCode?: number;

  /** ISO 8601, inclusive. */
  @IsOptional() @IsISO8601({ strict: true }) @IsTimestampString()
  from?: string;

  /** ISO 8601, exclusive. */
  @IsOptional() @IsISO8601({ strict: true }) @IsTimestampString()
  to?: string;

  /** Substring of the action, resource id, email, ip, user agent or request id. */
  @IsOptional() @Transform(trim) @IsString() @MinLength(1) @MaxLength(200)
  q?: string;
}

export class ListAuditEventsQueryDto extends AuditFiltersDto {
  /** Items per page (1–100). */
  @ApiPropertyOptional({ default: 20 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit: number = 20;

  /** Opaque cursor from the previous page's nextCursor. */
  @IsOptional() @IsString() @MaxLength(64)
  cursor?: string;
}

export class AuditEventDto {
  id: string;
  /** Position in the hash chain (gapless, strictly increasing). */
  seq: number;
  occurredAt: string;
  actor: { type: string; userId: string | null; role: string | null; email: string | null; sessionId: string | null; apiKeyId: string | null };
  action: string;
  resource: { type: string | null; id: string | null };
  outcome: string;
  statusCode: number | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
  prevHash: string;
  hash: string;

  static from(e: AuditEvent): AuditEventDto {
    return {
      id: e.id,
      seq: e.seq,
      occurredAt: e.occurredAt.toISOString(),
      actor: { type: e.actorType, userId: e.actorUserId, role: e.actorRole, email: e.actorEmail, sessionId: e.sessionId, apiKeyId: e.apiKeyId },
      action: e.action,
      resource: { type: e.resourceType, id: e.resourceId },
      outcome: e.outcome,
      statusCode: e.statusCode,
      ip: e.ip,
      userAgent: e.userAgent,
      requestId: e.requestId,
      before: e.before,
      after: e.after,
      context: e.context,
      prevHash: e.prevHash,
      hash: e.hash,
    };
  }
}

export class AuditEventPageDto {
  items: AuditEventDto[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export class ComplianceReportDto {
  /** Events whose seq, prev_hash and hash all checked out. */
  verified: number;
  ok: boolean;
  /** The first seq that failed (for a gap: the missing one). */
  firstBrokenSeq?: number;
  reason?: 'hash mismatch' | 'gap' | 'prev_hash mismatch' | 'anchor signature mismatch';
  /** Where verification started: 0, or the last event retention deleted (a signed checkpoint). */
  anchorSeq: number;
  headSeq: number;
  checkedAt: string;
}

export class CreateAuditReportDto {
  @IsIn(['csv', 'json'])
  format: 'csv' | 'json';

  @IsOptional() @ValidateNested() @Type(() => AuditFiltersDto)
  filters?: AuditFiltersDto;
}

export class AuditReportDto {
  id: string;
  /** `audit-report:<id>`. */
  workflowId: string;
  format: 'csv' | 'json';
  filters: Record<string, unknown>;
  status: string;
  /** 0–100. */
  percent: number;
  processed: number;
  total: number;
  createdAt: string;
  completedAt: string | null;
  error: string | null;
  /** Present once completed. */
  downloadUrl?: string;
}
