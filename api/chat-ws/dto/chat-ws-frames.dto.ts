import { IsBoolean, IsInt, IsNumber, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

const REQUEST_ID = /^[\x21-\x7e]{1,64}$/;
const STREAM_ID = /^\d{1,20}(-\d{1,20})?$/;

/** Fields every request may carry. */
export class RequestFrame {
  @IsString()
  type: string;

  @IsOptional() @IsString() @Matches(REQUEST_ID, { message: 'id must be 1-64 visible ASCII characters' })
  id?: string;
}

export class ConversationFrame extends RequestFrame {
  @IsUUID()
  conversationId: string;
}

export class TypingFrame extends ConversationFrame {
  @IsBoolean()
  typing: boolean;
}

export class ReadFrame extends ConversationFrame {
  @IsUUID()
  messageId: string;
}

/** The same limits as POST /chat (ChatRequestDto), plus the idempotency key that HTTP sends as a header. */
export class ChatFrame extends RequestFrame {
  @IsOptional() @IsUUID()
  conversationId?: string;

  @IsString() @MinLength(1) @MaxLength(100_000)
  message: string;

  @IsOptional() @IsString() @MaxLength(200)
  model?: string;

  @IsOptional() @IsString() @Matches(/^[\x21-\x7e]{1,200}$/, { message: 'idempotencyKey must be 1-200 visible ASCII characters' })
  idempotencyKey?: string;

  @IsOptional() @IsUUID()
  parentMessageId?: string;

  @IsOptional() @IsInt() @Min(1) @Max(32_768)
  maxTokens?: number;

  @IsOptional() @IsNumber() @Min(0) @Max(2)
  temperature?: number;
}

export class TurnFrame extends RequestFrame {
  @IsUUID()
  turnId: string;
}

export class FollowFrame extends TurnFrame {
  @IsOptional() @IsString() @Matches(STREAM_ID, { message: 'lastEventId must be an eventId this API sent' })
  lastEventId?: string;
}

export class AuthFrame extends RequestFrame {
  @IsString() @MinLength(1) @MaxLength(4096)
  token: string;
}
