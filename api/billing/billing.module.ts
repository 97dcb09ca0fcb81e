import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module';
import { BillingController } from './billing.controller';
import { BillingCycleSchedule } from './billing-cycle.schedule';
import { BUDGET_ALERT_SINKS, LoggedBudgetAlertSink } from './budget-alerts';
import { BudgetService } from './budget.service';
import { BudgetsService } from './budgets.service';
import { CreditsService } from './credits.service';
import { NotificationBudgetAlertSink } from './notification-budget-alert.sink';
import { StripeBillingService } from './stripe-billing.service';
import { StripeWebhooksService } from './stripe-webhooks.service';
import { UsageService } from './usage.service';
import { WebhookBudgetAlertSink } from './webhook-budget-alert.sink';
import { WebhooksModule } from '../webhooks/webhooks.module';

@Module({
  imports: [NotificationsModule, WebhooksModule],
  controllers: [BillingController],
  providers: [
    BudgetService,
    BudgetsService,
    CreditsService,
    UsageService,
    StripeBillingService,
    BillingCycleSchedule,
    StripeWebhooksService,
    LoggedBudgetAlertSink,
    NotificationBudgetAlertSink,
    WebhookBudgetAlertSink,
    {
      provide: BUDGET_ALERT_SINKS,
      useFactory: (logged: LoggedBudgetAlertSink, inApp: NotificationBudgetAlertSink, webhook: WebhookBudgetAlertSink) => [logged, inApp, webhook],
      inject: [LoggedBudgetAlertSink, NotificationBudgetAlertSink, WebhookBudgetAlertSink],
    },
  ],
  exports: [BudgetService],
})
export class BillingModule {}
