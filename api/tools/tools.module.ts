import { Module } from '@nestjs/common';
import { ToolRunsService } from './tool-runs.service';
import { ToolSchemas } from './tool-schema';
import { ToolSecretsService } from './tool-secrets.service';
import { ToolsController } from './tools.controller';
import { ToolsService } from './tools.service';

@Module({
  controllers: [ToolsController],
  providers: [ToolsService, ToolRunsService, ToolSchemas, ToolSecretsService],
  exports: [ToolsService, ToolRunsService],
})
export class ToolsModule {}
