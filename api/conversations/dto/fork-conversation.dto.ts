import { IsUUID } from 'class-validator';

export class ForkConversationDto {
  /** The last message copied into the fork (inclusive). */
  @IsUUID('all')
  messageId: string;
}
