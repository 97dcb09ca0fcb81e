import { Transform } from 'class-transformer';
import { IsDateString, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { UserStatus } from '../../../shared/persistence/entities';
import { CursorPageQuery } from '../../common/pagination/cursor-page';
import { ROLE_NAME } from './roles.dto';
import { IsTimestampString } from '../../common/validation/timestamp.validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class AdminListUsersQueryDto extends CursorPageQuery {
  @IsOptional() @Matches(ROLE_NAME, { message: 'role must be a role name' })
  role?: string;

  /** Without it, deleted users are left out. */
  @IsOptional() @IsIn(Object.values(UserStatus))
  status?: UserStatus;

  /** Members of this team. */
  @IsOptional() @IsUUID('all')
  team?: string;

  /** Case-insensitive substring of the email or the name. */
  @IsOptional() @Transform(trim) @IsString() @MinLength(1) @MaxLength(200)
  q?: string;

  /** Created at or after (ISO 8601). */
  @IsOptional() @IsDateString({ strict: true }) @IsTimestampString()
  createdFrom?: string;

  /** Created before (ISO 8601). */
  @IsOptional() @IsDateString({ strict: true }) @IsTimestampString()
  createdTo?: string;
}

export class ChangeRoleDto {
  @Matches(ROLE_NAME, { message: 'role must be a role name' })
  role: string;
}

export class ImportErrorDto {
  /** 1-based line in the CSV (the header is line 1). */
  line: number;
  field: string;
  message: string;
}

export class BulkImportReportDto {
  created: number;
  skipped: number;
  errors: ImportErrorDto[];
  /** The accounts created, with the line each came from. */
  users: { line: number; id: string; email: string }[];
  /** Lines skipped because the email already has an account. */
  skippedLines: { line: number; email: string }[];
}

export class ImpersonationDto {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  expiresAt: string;
  sessionId: string;
  userId: string;
  impersonatedBy: string;
}
