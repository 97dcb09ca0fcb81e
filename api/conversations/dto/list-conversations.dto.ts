import { Transform } from 'class-transformer';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { CursorPageQuery } from '../../common/pagination/cursor-page';
import { MAX_TAG_LENGTH, NoNul, Trim } from './conversation-fields';
import { IsTimestamp } from '../../common/validation/timestamp.validator';

// Query strings arrive as text; anything but "true"/"false" stays a string and fails @IsBoolean.
const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ListConversationsQueryDto extends CursorPageQuery {
  @IsOptional() @Trim() @IsString() @NoNul() @IsNotEmpty() @MaxLength(200)
  folder?: string;

  @IsOptional() @Trim() @IsString() @NoNul() @IsNotEmpty() @MaxLength(MAX_TAG_LENGTH)
  tag?: string;

  /** Case-insensitive substring of the title or of any message's text. */
  @IsOptional() @Trim() @IsString() @NoNul() @IsNotEmpty() @MaxLength(200)
  q?: string;

  @IsOptional() @Transform(toBool) @IsBoolean()
  bookmarked?: boolean;

  /** ISO 8601 date or date-time; inclusive. */
  @IsOptional() @IsTimestamp()
  createdAfter?: Date;

  /** ISO 8601 date or date-time; exclusive. */
  @IsOptional() @IsTimestamp()
  createdBefore?: Date;

  /** true: the caller's soft-deleted conversations instead of the live ones. */
  @IsOptional() @Transform(toBool) @IsBoolean()
  deleted?: boolean;
}
