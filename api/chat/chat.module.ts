import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module';
import { ToolsModule } from '../tools/tools.module';
import { ChatModels } from './chat-models.service';
import { ChatController } from './chat.controller';
import { ChatService } from './chat.service';
import { FirstStepStreamer } from './first-step-streamer.service';
import { TurnEventsReader } from './turn-events.reader';
import { TurnSseService } from './turn-sse.service';
import { TurnStreamRelay } from './turn-stream-relay.service';
import { TurnSweeperSchedule } from './turn-sweeper.schedule';

@Module({
  imports: [BillingModule, ToolsModule],
  controllers: [ChatController],
  providers: [ChatService, ChatModels, TurnSseService, TurnStreamRelay, TurnEventsReader, FirstStepStreamer, TurnSweeperSchedule],
  exports: [ChatService, TurnStreamRelay, TurnEventsReader],
})
export class ChatModule {}
