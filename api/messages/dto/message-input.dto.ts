import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { CursorPageQuery } from '../../common/pagination/cursor-page';
import { NoNul } from '../../conversations/dto/conversation-fields';
import { IsEmoji } from '../emoji';

export const MAX_MESSAGE_LENGTH = 100_000;

export class CreateMessageDto {
  /** Markdown text, 1–100000 characters, not only whitespace. */
  @IsString() @MinLength(1) @MaxLength(MAX_MESSAGE_LENGTH) @Matches(/\S/, { message: 'content must not be blank' }) @NoNul()
  content: string;

  /** Reply in the thread of this message (of the same conversation). */
  @IsOptional() @IsUUID('all')
  parentId?: string;
}

export class EditMessageDto {
  @IsString() @MinLength(1) @MaxLength(MAX_MESSAGE_LENGTH) @Matches(/\S/, { message: 'content must not be blank' }) @NoNul()
  content: string;
}

export class ListMessagesQueryDto extends CursorPageQuery {
  /** asc (oldest first, the default) or desc. */
  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc' }) @IsOptional() @IsIn(['asc', 'desc'])
  order: 'asc' | 'desc' = 'asc';

  /** Only the replies to this message. */
  @IsOptional() @IsUUID('all')
  parentId?: string;
}

export class ReactDto {
  /** One emoji (sequences such as 👍🏽 or 👨‍👩‍👧 count as one); toggles the caller's reaction. */
  @IsEmoji()
  emoji: string;
}

export class PinMessageDto {
  @IsBoolean()
  pinned: boolean;
}
