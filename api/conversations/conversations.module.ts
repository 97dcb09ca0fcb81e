import { Module } from '@nestjs/common';
import { ConversationAccess } from './conversation-access.service';
import { ConversationExportService } from './conversation-export.service';
import { ConversationSharesController } from './conversation-shares.controller';
import { ConversationSharesService } from './conversation-shares.service';
import { ConversationsController } from './conversations.controller';
import { ConversationsService } from './conversations.service';
import { SharedConversationsController } from './shared-conversations.controller';

@Module({
  controllers: [ConversationsController, ConversationSharesController, SharedConversationsController],
  providers: [ConversationsService, ConversationAccess, ConversationSharesService, ConversationExportService],
  exports: [ConversationAccess],
})
export class ConversationsModule {}
