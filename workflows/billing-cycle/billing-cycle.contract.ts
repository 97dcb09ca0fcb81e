/** Contract of the billingCycle workflow: one customer's usage for one period, reported to Stripe once. */

/** `monthly`: UTC calendar months. A number: fixed slots of that many ms since the epoch (tests). */
export type BillingInterval = 'monthly' | number;

export interface BillingCycleInput {
  /** Stripe customer id (cus_…). */
  customerId: string;
  interval: BillingInterval;
  /** Reports this period instead of the one before the scheduled time (re-runs, backfills, specs). */
  period?: BillingPeriod;
}

export interface BillingPeriod {
  /** ISO instants; the period is [start, end). */
  start: string;
  end: string;
}

export interface PeriodUsage {
  userId: string | null;
  /** Exact decimal sum of usage_records.cost_usd, 8 decimals. */
  totalUsd: string;
  records: number;
}

export interface BillingCycleResult extends PeriodUsage {
  customerId: string;
  period: BillingPeriod;
  /** reported: sent to Stripe by this run; already-reported: an earlier run did; empty: nothing to bill. */
  outcome: 'reported' | 'already-reported' | 'empty';
  stripeInvoiceItemId: string | null;
}

export const BILLING_CYCLE_WORKFLOW = 'billingCycleWorkflow';

/** Workflow id and schedule id share it; a scheduled run's id gets Temporal's time suffix. */
export function billingCycleWorkflowId(customerId: string): string {
  return `billing-cycle:${customerId}`;
}

export const billingCycleScheduleId = billingCycleWorkflowId;

/** The Stripe idempotency key (and billing_periods key) of one customer's period. */
export function billingPeriodKey(customerId: string, periodStart: string): string {
  return `billing-cycle:${customerId}:${periodStart}`;
}

/** The whole period that ended at or before `at`: a run fired at a boundary bills the slot just closed. */
export function periodBefore(at: Date, interval: BillingInterval): BillingPeriod {
  if (interval === 'monthly') {
    const end = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
    const start = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 1, 1));
    return { start: start.toISOString(), end: end.toISOString() };
  }
  const end = Math.floor(at.getTime() / interval) * interval;
  return { start: new Date(end - interval).toISOString(), end: new Date(end).toISOString() };
}
