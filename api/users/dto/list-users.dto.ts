import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { KNOWN_ROLES } from '../../../shared/domain/roles';
import { UserStatus } from '../../../shared/persistence/entities';
import { CursorPageQuery } from '../../common/pagination/cursor-page';
import { UserDto } from './user.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class ListUsersQueryDto extends CursorPageQuery {
  @IsOptional() @IsIn(KNOWN_ROLES)
  role?: string;

  /** Without it, deleted users are left out. */
  @IsOptional() @IsIn(Object.values(UserStatus))
  status?: UserStatus;

  /** Case-insensitive substring of the email or the name. */
  @IsOptional() @Transform(trim) @IsString() @MinLength(1) @MaxLength(200)
  q?: string;
}

export class UserPageDto {
  items: UserDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}
