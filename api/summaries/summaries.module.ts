import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations/conversations.module';
import { SummariesController } from './summaries.controller';
import { SummariesService } from './summaries.service';

@Module({
  imports: [ConversationsModule],
  controllers: [SummariesController],
  providers: [SummariesService],
})
export class SummariesModule {}
