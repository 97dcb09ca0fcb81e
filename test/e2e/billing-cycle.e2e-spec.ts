import { randomUUID } from 'node:crypto';
import { Client, Connection, type ScheduleHandle } from '@temporalio/client';
import { registerUser, TestAccount } from '../support/accounts';
import { api } from '../support/api-client';
import { sql } from '../support/db';
import { stack } from '../support/stack';
import { BILLING_CYCLE_WORKFLOW, billingCycleScheduleId, periodBefore, type BillingCycleResult } from '../../workflows/billing-cycle/billing-cycle.contract';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('billing cycle schedule (stack Temporal, stripe-mock)', () => {
  let connection: Connection;
  let client: Client;
  let alice: TestAccount;
  let schedule: ScheduleHandle | undefined;

  beforeAll(async () => {
    connection = await Connection.connect({ address: stack.temporalAddress });
    client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
    alice = await registerUser('billing-cycle');
  });
  afterAll(async () => {
    await schedule?.delete().catch(() => undefined);
    await connection?.close();
  });

  /** Waits for the schedule's n-th action to finish and returns that run's result. */
  async function nthRun(n: number): Promise<BillingCycleResult> {
    const end = Date.now() + 30_000;
    for (;;) {
      const actions = (await schedule!.describe()).info.recentActions;
      if (actions.length >= n) return client.workflow.getHandle(actions[n - 1].action.workflow.workflowId).result();
      if (Date.now() > end) throw new Error(`the schedule made ${actions.length} runs, expected ${n}`);
      await sleep(200);
    }
  }

  it('subscribing creates the customer\'s monthly schedule; triggering it twice reports last month to Stripe once', async () => {
    expect((await api('POST', '/billing/subscription', { token: alice.accessToken, body: { priceId: 'price_basic' } })).status).toBe(201);
    const [{ stripe_customer_id: customerId }] = await sql<{ stripe_customer_id: string }>('select stripe_customer_id from billing_customers where user_id = ?', [alice.id]);

    schedule = client.schedule.getHandle(billingCycleScheduleId(customerId));
    const described = await schedule.describe();
    expect(described.scheduleId).toBe(`billing-cycle:${customerId}`);
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: BILLING_CYCLE_WORKFLOW, workflowId: `billing-cycle:${customerId}`, args: [{ customerId, interval: 'monthly' }] });
    expect(described.spec.calendars?.[0]).toMatchObject({ dayOfMonth: [{ start: 1, end: 1, step: 1 }] });

    // Usage in the month before now is what a run today bills; this month's is left for next time.
    const last = periodBefore(new Date(), 'monthly');
    const insert = (at: Date, cost: string) =>
      sql(
        `insert into usage_records (id, source_id, kind, user_id, model, provider, input_tokens, output_tokens, cost_usd, created_at)
         values (gen_random_uuid(), ?, 'chat', ?, 'openai/gpt-4o', 'openai', 10, 4, ?::numeric, ?)`,
        [`cycle-${randomUUID()}`, alice.id, cost, at],
      );
    await insert(new Date(last.start), '0.12345678');
    await insert(new Date(Date.parse(last.end) - 1), '0.00000002');
    await insert(new Date(last.end), '9');

    await schedule.trigger();
    const first = await nthRun(1);
    expect(first).toMatchObject({ customerId, period: last, outcome: 'reported', totalUsd: '0.12345680', records: 2, stripeInvoiceItemId: expect.stringMatching(/^ii_/) });
    await schedule.trigger();
    const second = await nthRun(2);
    expect(second).toMatchObject({ period: last, outcome: 'already-reported', stripeInvoiceItemId: first.stripeInvoiceItemId });

    const rows = await sql<{ amount_usd: string; status: string; stripe_invoice_item_id: string }>(
      'select amount_usd::text, status, stripe_invoice_item_id from billing_periods where stripe_customer_id = ?',
      [customerId],
    );
    expect(rows).toEqual([{ amount_usd: '0.12345680', status: 'reported', stripe_invoice_item_id: first.stripeInvoiceItemId }]);
  });
});
