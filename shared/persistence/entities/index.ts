import { ChatTurn } from './chat-turn.entity';
import { Conversation } from './conversation.entity';
import { ConversationShare } from './conversation-share.entity';
import { Message } from './message.entity';
import { MessageReaction } from './message-reaction.entity';
import { MessageVersion } from './message-version.entity';
import { UsageRecord } from './usage-record.entity';
import { ApiKey } from './api-key.entity';
import { MfaRecoveryCode } from './mfa-recovery-code.entity';
import { OneTimeToken } from './one-time-token.entity';
import { RefreshToken } from './refresh-token.entity';
import { Session } from './session.entity';
import { Tool, ToolVersion } from './tool.entity';
import { ToolRun } from './tool-run.entity';
import { ToolSecret } from './tool-secret.entity';
import { User } from './user.entity';
import { UserIdentity } from './user-identity.entity';

export * from './api-key.entity';
export * from './mfa-recovery-code.entity';
export * from './one-time-token.entity';
export * from './refresh-token.entity';
export * from './session.entity';
export * from './user.entity';
export * from './user-identity.entity';
export * from './chat-turn.entity';
export * from './conversation.entity';
export * from './conversation-share.entity';
export * from './message.entity';
export * from './message-reaction.entity';
export * from './message-version.entity';
export * from './usage-record.entity';
export * from './tool.entity';
export * from './tool-run.entity';
export * from './tool-secret.entity';

/** Every entity; MikroORM is configured with this list (no folder scanning). */
export const ENTITIES = [User, Session, RefreshToken, ApiKey, OneTimeToken, MfaRecoveryCode, UserIdentity, Conversation, Message, MessageVersion, MessageReaction, ConversationShare, ChatTurn, UsageRecord, Tool, ToolVersion, ToolRun, ToolSecret];
