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

@Module({
  imports: [NotificationsModule],
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
    {
      provide: BUDGET_ALERT_SINKS,
      useFactory: (logged: LoggedBudgetAlertSink, inApp: NotificationBudgetAlertSink) => [logged, inApp],
      inject: [LoggedBudgetAlertSink, NotificationBudgetAlertSink],
    },
  ],
  exports: [BudgetService],
})
export class BillingModule {}
