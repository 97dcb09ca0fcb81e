import { Injectable, Logger } from '@nestjs/common';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleSpec } from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';
import { AppConfig } from '../../shared/config/app-config';
import { TemporalClient } from '../../temporal/temporal-client.module';
import { BILLING_CYCLE_WORKFLOW, billingCycleScheduleId, billingCycleWorkflowId, type BillingCycleInput, type BillingInterval } from '../../workflows/billing-cycle/billing-cycle.contract';

/** One Temporal Schedule per Stripe customer running its billingCycle (idempotent: an existing one is kept). */
@Injectable()
export class BillingCycleSchedule {
  private readonly log = new Logger(BillingCycleSchedule.name);
  /** Customers this process already ensured: one Temporal call per customer per process. */
  private readonly ensured = new Set<string>();
  private readonly interval: BillingInterval;

  constructor(
    private readonly temporal: TemporalClient,
    config: AppConfig,
  ) {
    this.interval = config.BILLING_CYCLE_INTERVAL === 'monthly' ? 'monthly' : msToNumber(config.BILLING_CYCLE_INTERVAL as `${number}s`);
  }

  /** Never fails the billing call that triggered it: a miss is logged and retried on the next call. */
  async ensure(customerId: string): Promise<void> {
    if (this.ensured.has(customerId)) return;
    try {
      await this.create(customerId);
      this.ensured.add(customerId);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, customerId }, 'billing cycle schedule not ensured; the next billing call retries');
    }
  }

  private async create(customerId: string): Promise<void> {
    const input: BillingCycleInput = { customerId, interval: this.interval };
    // Monthly runs at 00:00 UTC on the 1st and bills the month just closed.
    const spec: ScheduleSpec = this.interval === 'monthly' ? { calendars: [{ dayOfMonth: 1, comment: 'monthly, 00:00 UTC' }] } : { intervals: [{ every: this.interval }] };
    try {
      await this.temporal.schedule.create({
        scheduleId: billingCycleScheduleId(customerId),
        spec,
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '7 days' },
        action: { type: 'startWorkflow', workflowType: BILLING_CYCLE_WORKFLOW, workflowId: billingCycleWorkflowId(customerId), taskQueue: this.temporal.queue('background'), args: [input] },
      });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
  }
}
