import { ArrayMaxSize, IsArray, IsBoolean, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { MAX_SYSTEM_PROMPT_LENGTH, MAX_TAGS, MAX_TAG_LENGTH, NoNul, NormalizeTags, Trim } from './conversation-fields';

const given = (field: string) => ValidateIf((o: Record<string, unknown>) => o[field] !== undefined);

/** Only the fields sent change; folder, model and systemPrompt accept null to clear them. */
export class UpdateConversationDto {
  @given('title') @Trim() @IsString() @NoNul() @IsNotEmpty() @MaxLength(300)
  title?: string;

  @IsOptional() @Trim() @IsString() @NoNul() @IsNotEmpty() @MaxLength(200)
  folder?: string | null;

  @given('tags') @NormalizeTags() @IsArray() @ArrayMaxSize(MAX_TAGS)
  @IsString({ each: true }) @NoNul(true) @IsNotEmpty({ each: true }) @MaxLength(MAX_TAG_LENGTH, { each: true })
  tags?: string[];

  @given('bookmarked') @IsBoolean()
  bookmarked?: boolean;

  @IsOptional() @Trim() @IsString() @NoNul() @IsNotEmpty() @MaxLength(200)
  model?: string | null;

  @IsOptional() @IsString() @NoNul() @MaxLength(MAX_SYSTEM_PROMPT_LENGTH)
  systemPrompt?: string | null;
}
