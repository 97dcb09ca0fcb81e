import type { MikroORM } from '@mikro-orm/postgresql';
import Stripe from 'stripe';
import { centsOf, toUnits, usd } from '../../shared/billing/usd';
import { billingPeriodKey, type BillingCycleResult, type BillingPeriod, type PeriodUsage } from '../../workflows/billing-cycle/billing-cycle.contract';

export interface BillingCycleDeps {
  orm: MikroORM;
  /** null when STRIPE_SECRET_KEY is unset: reporting then fails (and retries) rather than dropping usage. */
  stripe: Pick<Stripe, 'invoiceItems'> | null;
}

export interface PeriodRef {
  customerId: string;
  period: BillingPeriod;
}

export type ReportOutcome = Pick<BillingCycleResult, 'outcome' | 'stripeInvoiceItemId'>;

interface PeriodRow {
  status: 'pending' | 'reported' | 'empty';
  stripe_invoice_item_id: string | null;
}

export function createBillingCycleActivities(deps: BillingCycleDeps) {
  return {
    /** The customer's user's usage_records in [start, end), summed by Postgres numeric (exact). */
    async aggregatePeriodUsage(ref: PeriodRef): Promise<PeriodUsage> {
      const em = deps.orm.em.fork();
      const [customer] = await em.execute<{ user_id: string }[]>('select user_id from billing_customers where stripe_customer_id = ?', [ref.customerId]);
      if (!customer) return { userId: null, totalUsd: usd('0'), records: 0 };
      const [row] = await em.execute<{ total: string; records: string }[]>(
        'select coalesce(sum(cost_usd), 0)::text as total, count(*) as records from usage_records where user_id = ? and created_at >= ? and created_at < ?',
        [customer.user_id, new Date(ref.period.start), new Date(ref.period.end)],
      );
      return { userId: customer.user_id, totalUsd: usd(row.total), records: Number(row.records) };
    },

    /**
     * Reports the period once: its billing_periods row is locked while Stripe is called, so a second
     * run (or a retry) of the same period waits, then finds it reported. The Stripe idempotency key
     * covers the remaining gap (Stripe answered, our commit did not happen).
     */
    async reportPeriodUsage(input: PeriodRef & { usage: PeriodUsage }): Promise<ReportOutcome> {
      const key = billingPeriodKey(input.customerId, input.period.start);
      const { start, end } = input.period;
      return deps.orm.em.fork().transactional(async (tx) => {
        await tx.execute(
          `insert into billing_periods (stripe_customer_id, period_start, period_end, user_id, amount_usd, records, status, idempotency_key, created_at)
           values (?, ?, ?, ?, ?::numeric, ?, 'pending', ?, now()) on conflict do nothing`,
          [input.customerId, new Date(start), new Date(end), input.usage.userId, input.usage.totalUsd, input.usage.records, key],
        );
        const [row] = await tx.execute<PeriodRow[]>('select status, stripe_invoice_item_id from billing_periods where stripe_customer_id = ? and period_start = ? for update', [
          input.customerId,
          new Date(start),
        ]);
        if (row.status !== 'pending') return { outcome: 'already-reported', stripeInvoiceItemId: row.stripe_invoice_item_id };
        if (toUnits(input.usage.totalUsd) === 0n) {
          await tx.execute("update billing_periods set status = 'empty', reported_at = now() where stripe_customer_id = ? and period_start = ?", [input.customerId, new Date(start)]);
          return { outcome: 'empty', stripeInvoiceItemId: null };
        }
        if (!deps.stripe) throw new Error('Stripe is not configured (STRIPE_SECRET_KEY): usage stays pending');
        const item = await deps.stripe.invoiceItems.create(
          {
            customer: input.customerId,
            currency: 'usd',
            // Cents with up to 12 decimals: the 8-decimal USD total fits without rounding.
            unit_amount_decimal: Stripe.Decimal.from(centsOf(input.usage.totalUsd)),
            quantity: 1,
            description: `AI usage ${start.slice(0, 10)} – ${end.slice(0, 10)} (${input.usage.records} turns)`,
            period: { start: Math.floor(Date.parse(start) / 1000), end: Math.floor(Date.parse(end) / 1000) },
            metadata: { billingPeriodKey: key, userId: input.usage.userId ?? '', totalUsd: input.usage.totalUsd },
          },
          { idempotencyKey: key },
        );
        await tx.execute(
          "update billing_periods set status = 'reported', stripe_invoice_item_id = ?, amount_usd = ?::numeric, records = ?, reported_at = now() where stripe_customer_id = ? and period_start = ?",
          [item.id, input.usage.totalUsd, input.usage.records, input.customerId, new Date(start)],
        );
        return { outcome: 'reported', stripeInvoiceItemId: item.id };
      });
    },
  };
}

export type BillingCycleActivities = ReturnType<typeof createBillingCycleActivities>;
