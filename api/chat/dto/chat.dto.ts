import { CitationDto } from '../../messages/dto/message.dto';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsInt, IsNumber, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

export class ChatRequestDto {
  /** Continue this conversation; omitted = a new conversation is created. */
  @IsOptional() @IsUUID()
  conversationId?: string;

  /** The user's message (Markdown, stored as text). */
  @IsString() @MinLength(1) @MaxLength(100_000)
  message: string;

  /** Model-registry id; defaults to the conversation's model, then the gateway default. */
  @IsOptional() @IsString() @MaxLength(200)
  model?: string;

  /** Reply in a thread under this message. */
  @IsOptional() @IsUUID()
  parentMessageId?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(32_768)
  maxTokens?: number;

  @IsOptional() @Type(() => Number) @IsNumber() @Min(0) @Max(2)
  temperature?: number;

  /** Registry tools the model may call in this turn; each must exist and be runnable by the caller (else 404). */
  @IsOptional() @IsArray() @ArrayMaxSize(16) @ArrayUnique() @IsString({ each: true }) @Matches(/^[A-Za-z0-9_-]{1,64}$/, { each: true })
  tools?: string[];
}

export class TurnUsageDto {
  inputTokens: number;
  outputTokens: number;
  /** USD as an exact decimal string. */
  costUsd: string;
  provider: string;
}

export class ChatTurnDto {
  turnId: string;
  conversationId: string;
  userMessageId: string;
  assistantMessageId: string | null;
  model: string;
  /** running, completed, failed or cancelled. */
  status: string;
  /** The assistant's reply, once completed (or what was produced before a cancel). */
  content?: string | null;
  error?: string | null;
  usage?: TurnUsageDto | null;
  /** A reply grounded in the conversation's attached files: the excerpts it was given, numbered as cited. */
  citations?: CitationDto[];
  createdAt: string;
  completedAt: string | null;
}

export class TurnIdParam {
  @IsUUID()
  turnId: string;
}
