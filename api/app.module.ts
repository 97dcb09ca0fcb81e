import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ConfigModule } from '../shared/config/config.module';
import { PersistenceModule } from '../shared/persistence/persistence.module';
import { RedisModule } from '../shared/redis/redis.module';
import { SearchEngineModule } from './search/search-engine.module';
import { TemporalClientModule } from '../temporal/temporal-client.module';
import { ApprovalsModule } from './approvals/approvals.module';
import { AdminModule } from './admin/admin.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BillingModule } from './billing/billing.module';
import { ChatModule } from './chat/chat.module';
import { ChatWsModule } from './chat-ws/chat-ws.module';
import { AuthCoreModule } from './common/auth/auth-core.module';
import { LoggingModule } from './common/logging/logging.module';
import { ConversationsModule } from './conversations/conversations.module';
import { FilesModule } from './files/files.module';
import { ProblemDetailsFilter } from './common/problem/problem-details.filter';
import { MailModule } from './mail/mail.module';
import { MessagesModule } from './messages/messages.module';
import { ModelsModule } from './models/models.module';
import { MonitoringModule } from './monitoring/monitoring.module';
import { SearchModule } from './search/search.module';
import { SummariesModule } from './summaries/summaries.module';
import { StatsModule } from './stats/stats.module';
import { NotificationsModule } from './notifications/notifications.module';
import { OpenAiModule } from './openai/openai.module';
import { EmbeddingsModule } from './embeddings/embeddings.module';
import { ToolsModule } from './tools/tools.module';
import { UsersModule } from './users/users.module';
import { WorkflowsModule } from './workflows/workflows.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({
  imports: [
    ConfigModule,
    LoggingModule,
    PersistenceModule,
    RedisModule,
    SearchEngineModule,
    TemporalClientModule,
    AuthCoreModule,
    AuditModule,
    MailModule,
    AuthModule,
    MonitoringModule,
    UsersModule,
    AdminModule,
    StatsModule,
    ConversationsModule,
    FilesModule,
    MessagesModule,
    ChatModule,
    ChatWsModule,
    SummariesModule,
    NotificationsModule,
    ApprovalsModule,
    ModelsModule,
    OpenAiModule,
    EmbeddingsModule,
    WorkflowsModule,
    WebhooksModule,
    ToolsModule,
    BillingModule,
    SearchModule,
  ],
  providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
})
export class AppModule {}
