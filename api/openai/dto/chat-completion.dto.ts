import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  Equals,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateNested,
} from 'class-validator';

export const MAX_MESSAGES = 1000;
const MAX_CONTENT = 200_000;

/** A message's content: a string, or an array of `{type: 'text', text}` parts (other part types are not supported). */
export type MessageContent = string | { type: 'text'; text: string }[];

function isTextContent(value: unknown): value is MessageContent {
  if (typeof value === 'string') return value.length <= MAX_CONTENT;
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.length <= 100 &&
    value.every((p: unknown) => {
      const part = p as { type?: unknown; text?: unknown };
      return !!part && typeof part === 'object' && part.type === 'text' && typeof part.text === 'string' && part.text.length <= MAX_CONTENT && Object.keys(part).length === 2;
    })
  );
}

const IsTextContent = () =>
  ValidateBy({
    name: 'isTextContent',
    validator: {
      validate: isTextContent,
      defaultMessage: () => 'content must be a string or an array of {"type":"text","text":…} parts (images, audio and files are not supported)',
    },
  });

const IsStop = () =>
  ValidateBy({
    name: 'isStop',
    validator: {
      validate: (v: unknown) => typeof v === 'string' || (Array.isArray(v) && v.length <= 4 && v.every((s) => typeof s === 'string')),
      defaultMessage: () => 'stop must be a string or an array of up to 4 strings',
    },
  });

export class ChatCompletionMessageDto {
  /** `developer` is treated as `system`. Tool and function messages are not supported. */
  @IsIn(['system', 'developer', 'user', 'assistant'], { message: 'role must be system, developer, user or assistant (tool messages are not supported)' })
  role: 'system' | 'developer' | 'user' | 'assistant';

  @IsTextContent()
  content: MessageContent;

  /** Accepted and ignored. */
  @IsOptional() @IsString() @MaxLength(256)
  name?: string;
}

export class StreamOptionsDto {
  /** Send a last chunk with `usage` (and `usage: null` on the others), as OpenAI does. */
  @IsOptional() @IsBoolean()
  include_usage?: boolean;
}

/**
 * The OpenAI chat-completions request, the fields this gateway honours; any other field is a 400.
 * `stop` is accepted but ignored (the providers stop on their own end-of-turn); `user` is accepted and ignored.
 */
export class ChatCompletionRequestDto {
  /** A model id from GET /models (or `openai-compatible/<name>`). */
  @IsString() @MinLength(1) @MaxLength(200)
  model: string;

  /** The whole conversation, oldest first; the last message must be the user's. */
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_MESSAGES) @ValidateNested({ each: true }) @Type(() => ChatCompletionMessageDto)
  messages: ChatCompletionMessageDto[];

  @IsOptional() @IsBoolean()
  stream?: boolean;

  @IsOptional() @ValidateNested() @Type(() => StreamOptionsDto)
  stream_options?: StreamOptionsDto;

  @IsOptional() @IsInt() @Min(1) @Max(32_768)
  max_tokens?: number;

  /** Preferred over max_tokens when both are given. */
  @IsOptional() @IsInt() @Min(1) @Max(32_768)
  max_completion_tokens?: number;

  @IsOptional() @IsNumber() @Min(0) @Max(2)
  temperature?: number;

  @IsOptional() @IsString() @MaxLength(256)
  user?: string;

  /** Only one choice per request. */
  @IsOptional() @IsInt() @Equals(1, { message: 'n must be 1: one choice per request' })
  n?: number;

  /** Accepted, ignored. */
  @IsOptional() @IsStop()
  stop?: string | string[];
}
