import { Injectable, Logger } from '@nestjs/common';
import type { BudgetState } from '../../shared/billing/budget-ledger';

export interface BudgetAlertEvent {
  budgetId: string;
  /** The user the budget belongs to (the key's owner for an API-key budget). */
  userId: string;
  scopeType: string;
  scopeId: string;
  threshold: number;
  state: BudgetState;
}

/** Somewhere a crossed budget threshold goes (in-app notification, outbound webhook…). */
export interface BudgetAlertSink {
  deliver(event: BudgetAlertEvent): Promise<void>;
}

export const BUDGET_ALERT_SINKS = Symbol('BUDGET_ALERT_SINKS');

/**
 * Logs the alert as a structured event (the in-app one is NotificationBudgetAlertSink, the outbound
 * `budget.threshold_crossed` webhook is WebhookBudgetAlertSink).
 */
@Injectable()
export class LoggedBudgetAlertSink implements BudgetAlertSink {
  private readonly log = new Logger('BudgetAlerts');

  async deliver(e: BudgetAlertEvent): Promise<void> {
    this.log.warn({ event: 'budget.threshold_reached', ...e, periodStart: e.state.periodStart.toISOString() }, `budget ${e.budgetId} reached ${e.threshold}%`);
  }
}
