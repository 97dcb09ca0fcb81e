import { Module } from '@nestjs/common';
import { ChatModule } from '../chat/chat.module';
import { ModelsModule } from '../models/models.module';
import { ChatCompletionsController } from './chat-completions.controller';
import { ChatCompletionsService } from './chat-completions.service';

@Module({
  imports: [ChatModule, ModelsModule],
  controllers: [ChatCompletionsController],
  providers: [ChatCompletionsService],
})
export class OpenAiModule {}
