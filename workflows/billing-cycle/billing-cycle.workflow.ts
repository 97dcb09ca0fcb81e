import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { BillingCycleActivities } from '../../activities/billing/billing-cycle.activities';
import { periodBefore, type BillingCycleInput, type BillingCycleResult } from './billing-cycle.contract';

const { aggregatePeriodUsage } = proxyActivities<BillingCycleActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 10 },
});

// Stripe may be slow or down for a while; the idempotency key makes every retry safe.
const { reportPeriodUsage } = proxyActivities<BillingCycleActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 20 },
});

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** Aggregates one customer's usage for the period just closed and reports it to Stripe exactly once. */
export async function billingCycleWorkflow(input: BillingCycleInput): Promise<BillingCycleResult> {
  const period = input.period ?? periodBefore(scheduledAt(), input.interval);
  const usage = await aggregatePeriodUsage({ customerId: input.customerId, period });
  const report = await reportPeriodUsage({ customerId: input.customerId, period, usage });
  return { customerId: input.customerId, period, ...usage, ...report };
}

/** The slot the schedule fired for (not when the run started: a late run still bills its own period). */
function scheduledAt(): Date {
  return workflowInfo().typedSearchAttributes.get(SCHEDULED_START) ?? new Date(Date.now());
}
