import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import Stripe from 'stripe';
import { createBillingCycleActivities } from '../../activities/billing/billing-cycle.activities';
import { centsOf } from '../../shared/billing/usd';
import { createStripe } from '../../shared/billing/stripe-client';
import { User } from '../../shared/persistence/entities';
import { billingCycleWorkflow } from '../../workflows';
import { billingCycleWorkflowId, periodBefore, type BillingCycleInput, type BillingPeriod } from '../../workflows/billing-cycle/billing-cycle.contract';
import { openStores } from '../support/chat-turn-fixtures';
import { sql } from '../support/db';
import { localTemporal, workflowsPath } from '../support/temporal-env';

// Real Temporal (local dev server), the stack's Postgres and stripe-mock; Stripe calls are counted on the way through.
describe('billingCycle workflow', () => {
  const taskQueue = `test-billing-cycle-${randomUUID()}`;
  const stripe = createStripe({ STRIPE_API_BASE: process.env.STRIPE_API_BASE ?? 'http://127.0.0.1:12111', STRIPE_SECRET_KEY: process.env.STRIPE_SECRET_KEY ?? 'sk_test_123' })!;
  const created: Stripe.InvoiceItemCreateParams[] = [];
  const counting = {
    invoiceItems: {
      create: (params: Stripe.InvoiceItemCreateParams, opts?: Stripe.RequestOptions) => (created.push(params), stripe.invoiceItems.create(params, opts)),
    },
  } as unknown as Pick<Stripe, 'invoiceItems'>;
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let stores: Awaited<ReturnType<typeof openStores>>;
  let userId: string;
  const customerId = `cus_spec${randomUUID().replace(/-/g, '').slice(0, 12)}`;

  beforeAll(async () => {
    stores = await openStores();
    const em = stores.orm.em.fork();
    const u = em.create(User, { email: `billing-cycle-${randomUUID()}@example.test`, name: 'billing cycle spec' });
    await em.flush();
    userId = u.id;
    await sql('insert into billing_customers (user_id, stripe_customer_id, created_at) values (?, ?, now())', [userId, customerId]);
    env = await localTemporal();
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities: createBillingCycleActivities({ orm: stores.orm, stripe: counting }) });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await sql('delete from billing_periods where stripe_customer_id = ?', [customerId]);
    await sql('delete from billing_customers where stripe_customer_id = ?', [customerId]);
    if (userId) await sql('delete from users where id = ?', [userId]);
    await stores?.close();
  });

  const usage = (at: string, costUsd: string) =>
    sql(
      `insert into usage_records (id, source_id, kind, user_id, model, provider, input_tokens, output_tokens, cost_usd, created_at)
       values (gen_random_uuid(), ?, 'chat', ?, 'openai/gpt-4o', 'openai', 10, 4, ?::numeric, ?)`,
      [`spec-${randomUUID()}`, userId, costUsd, new Date(at)],
    );
  const run = (input: Partial<BillingCycleInput>, tag: string) =>
    env.client.workflow.execute(billingCycleWorkflow, { taskQueue, workflowId: `${billingCycleWorkflowId(customerId)}-${tag}-${randomUUID()}`, args: [{ customerId, interval: 'monthly', ...input }] });
  const rows = (period: BillingPeriod) =>
    sql<{ amount_usd: string; records: number; status: string; stripe_invoice_item_id: string | null; idempotency_key: string }>(
      'select amount_usd::text, records, status, stripe_invoice_item_id, idempotency_key from billing_periods where stripe_customer_id = ? and period_start = ?',
      [customerId, new Date(period.start)],
    );

  it('sums the period exactly and reports it once, however many times the workflow runs for it', async () => {
    const period = { start: '2026-01-01T00:00:00.000Z', end: '2026-02-01T00:00:00.000Z' };
    await usage('2026-01-01T00:00:00Z', '0.10000001');
    await usage('2026-01-31T23:59:59.999Z', '0.20000002');
    await usage('2026-01-15T12:00:00Z', '0.00000007');
    await usage('2026-02-01T00:00:00Z', '5'); // next period: excluded
    await usage('2025-12-31T23:59:59Z', '7'); // previous period: excluded

    const first = await run({ period }, 'first');
    expect(first).toMatchObject({ outcome: 'reported', totalUsd: '0.30000010', records: 3, userId, period, stripeInvoiceItemId: expect.stringMatching(/^ii_/) });
    const second = await run({ period }, 'second');
    expect(second).toMatchObject({ outcome: 'already-reported', stripeInvoiceItemId: first.stripeInvoiceItemId });

    expect(created).toHaveLength(1);
    expect(String(created[0].unit_amount_decimal)).toBe('30.00001'); // cents, not rounded
    expect(created[0]).toMatchObject({ customer: customerId, currency: 'usd', quantity: 1, metadata: { totalUsd: '0.30000010' } });
    expect(await rows(period)).toEqual([
      { amount_usd: '0.30000010', records: 3, status: 'reported', stripe_invoice_item_id: first.stripeInvoiceItemId, idempotency_key: `billing-cycle:${customerId}:${period.start}` },
    ]);
  });

  it('two runs of the same period at once still make one Stripe report', async () => {
    created.length = 0;
    const period = { start: '2026-03-01T00:00:00.000Z', end: '2026-04-01T00:00:00.000Z' };
    await usage('2026-03-10T00:00:00Z', '1.5');
    const results = await Promise.all([run({ period }, 'a'), run({ period }, 'b')]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['already-reported', 'reported']);
    expect(created).toHaveLength(1);
    expect(await rows(period)).toHaveLength(1);
  });

  it('an empty period is recorded without a Stripe call; without an explicit period it bills the month before the start', async () => {
    created.length = 0;
    const result = await run({}, 'scheduled');
    const expected = periodBefore(new Date(), 'monthly');
    expect(result).toMatchObject({ outcome: 'empty', totalUsd: '0.00000000', records: 0, period: expected, stripeInvoiceItemId: null });
    expect(created).toHaveLength(0);
    expect((await rows(expected)).map((r) => r.status)).toEqual(['empty']);
  });

  it('period arithmetic: calendar months in UTC, fixed slots for a test interval, cents by moving the point', () => {
    expect(periodBefore(new Date('2026-03-01T00:00:00.500Z'), 'monthly')).toEqual({ start: '2026-02-01T00:00:00.000Z', end: '2026-03-01T00:00:00.000Z' });
    expect(periodBefore(new Date('2026-01-15T10:00:00Z'), 'monthly')).toEqual({ start: '2025-12-01T00:00:00.000Z', end: '2026-01-01T00:00:00.000Z' });
    expect(periodBefore(new Date('2026-01-01T00:00:31Z'), 30_000)).toEqual({ start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T00:00:30.000Z' });
    expect([centsOf('0.30000010'), centsOf('12.00000000'), centsOf('0.00000001')]).toEqual(['30.00001', '1200', '0.000001']);
  });
});
