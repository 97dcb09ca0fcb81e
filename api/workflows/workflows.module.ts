import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations/conversations.module';
import { WorkflowExecutionsService } from './workflow-executions.service';
import { WorkflowSchedules } from './workflow-schedules';
import { WorkflowsController } from './workflows.controller';
import { WorkflowsService } from './workflows.service';

@Module({
  imports: [ConversationsModule],
  controllers: [WorkflowsController],
  providers: [WorkflowsService, WorkflowExecutionsService, WorkflowSchedules],
})
export class WorkflowsModule {}
