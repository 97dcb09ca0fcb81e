import { Type } from 'class-transformer';
import { IsInt, IsNumber, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';

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
  createdAt: string;
  completedAt: string | null;
}

export class TurnIdParam {
  @IsUUID()
  turnId: string;
}
