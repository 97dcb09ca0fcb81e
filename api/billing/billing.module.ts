import { Module } from '@nestjs/common';
import { BillingController } from './billing.controller';
import { BUDGET_ALERT_SINKS, LoggedBudgetAlertSink } from './budget-alerts';
import { BudgetService } from './budget.service';
import { BudgetsService } from './budgets.service';
import { CreditsService } from './credits.service';
import { StripeBillingService } from './stripe-billing.service';
import { StripeWebhooksService } from './stripe-webhooks.service';
import { UsageService } from './usage.service';

@Module({
  controllers: [BillingController],
  providers: [
    BudgetService,
    BudgetsService,
    CreditsService,
    UsageService,
    StripeBillingService,
    StripeWebhooksService,
    LoggedBudgetAlertSink,
    { provide: BUDGET_ALERT_SINKS, useFactory: (logged: LoggedBudgetAlertSink) => [logged], inject: [LoggedBudgetAlertSink] },
  ],
  exports: [BudgetService],
})
export class BillingModule {}
