import { ArrayMaxSize, IsArray, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { MAX_SYSTEM_PROMPT_LENGTH, MAX_TAGS, MAX_TAG_LENGTH, NoNul, NormalizeTags, Trim } from './conversation-fields';

export class CreateConversationDto {
  @IsOptional() @Trim() @IsString() @NoNul() @IsNotEmpty() @MaxLength(300)
  title?: string;

  @IsOptional() @Trim() @IsString() @NoNul() @IsNotEmpty() @MaxLength(200)
  folder?: string;

  @IsOptional() @NormalizeTags() @IsArray() @ArrayMaxSize(MAX_TAGS)
  @IsString({ each: true }) @NoNul(true) @IsNotEmpty({ each: true }) @MaxLength(MAX_TAG_LENGTH, { each: true })
  tags?: string[];

  /** A model-registry id used for turns unless a turn names another. */
  @IsOptional() @Trim() @IsString() @NoNul() @IsNotEmpty() @MaxLength(200)
  model?: string;

  @IsOptional() @IsString() @NoNul() @MaxLength(MAX_SYSTEM_PROMPT_LENGTH)
  systemPrompt?: string;
}
