import { ArrayMaxSize, IsArray, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { MAX_SYSTEM_PROMPT_LENGTH, MAX_TAG_LENGTH, MAX_TAGS, NormalizeTags, Trim } from './conversation-fields';

export class CreateConversationDto {
  @IsOptional() @Trim() @IsString() @IsNotEmpty() @MaxLength(300)
  title?: string;

  @IsOptional() @Trim() @IsString() @IsNotEmpty() @MaxLength(200)
  folder?: string;

  @IsOptional() @NormalizeTags() @IsArray() @ArrayMaxSize(MAX_TAGS)
  @IsString({ each: true }) @IsNotEmpty({ each: true }) @MaxLength(MAX_TAG_LENGTH, { each: true })
  tags?: string[];

  /** A model-registry id used for turns unless a turn names another. */
  @IsOptional() @Trim() @IsString() @IsNotEmpty() @MaxLength(200)
  model?: string;

  @IsOptional() @IsString() @MaxLength(MAX_SYSTEM_PROMPT_LENGTH)
  systemPrompt?: string;
}
