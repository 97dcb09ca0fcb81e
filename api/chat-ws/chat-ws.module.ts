import { Module } from '@nestjs/common';
import { ChatModule } from '../chat/chat.module';
import { ConversationsModule } from '../conversations/conversations.module';
import { ChatWsGateway } from './chat-ws.gateway';
import { ChatWsRooms } from './chat-ws-rooms.service';
import { ChatWsService } from './chat-ws.service';
import { ReadReceiptsRepository } from './read-receipts.repository';

/** `WS /api/v3/chat/ws`: rooms, presence, typing, read receipts and turn events (chat-ws.protocol.ts). */
@Module({
  imports: [ChatModule, ConversationsModule],
  providers: [ChatWsGateway, ChatWsService, ChatWsRooms, ReadReceiptsRepository],
})
export class ChatWsModule {}
