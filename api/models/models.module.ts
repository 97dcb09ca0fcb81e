import { Module } from '@nestjs/common';
import { ModelUsageRepository } from './model-usage.repository';
import { ModelsController } from './models.controller';
import { ModelsService } from './models.service';

@Module({
  controllers: [ModelsController],
  providers: [ModelsService, ModelUsageRepository],
  exports: [ModelsService],
})
export class ModelsModule {}
