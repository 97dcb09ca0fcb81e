/**
 * Captures the billingCycle workflow's histories into test/replay/histories/, for replay.spec.ts.
 * Run on demand, with a stack up and its env exported (like capture-histories.ts):
 *   npx tsx test/replay/capture-billing-cycle-histories.ts
 * It starts a throw-away Temporal server and uses the stack's Postgres and stripe-mock; the spec
 * customer, user and rows it creates are removed.
 */
import { randomUUID } from 'node:crypto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createBillingCycleActivities } from '../../activities/billing/billing-cycle.activities';
import { loadConfig } from '../../shared/config/app-config';
import { createStripe } from '../../shared/billing/stripe-client';
import { User } from '../../shared/persistence/entities';
import { billingCycleWorkflow } from '../../workflows';
import { billingCycleWorkflowId } from '../../workflows/billing-cycle/billing-cycle.contract';
import { openStores } from '../support/chat-turn-fixtures';
import { sql } from '../support/db';
import { localTemporal, workflowsPath } from '../support/temporal-env';
import { saveHistory } from './history-json';


async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stores = await openStores();
  const env = await localTemporal();
  const taskQueue = 'replay-capture-billing-cycle';
  const stripe = createStripe(loadConfig());
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities: createBillingCycleActivities({ orm: stores.orm, stripe }) });
  const customerId = `cus_replay${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const em = stores.orm.em.fork();
  const user = em.create(User, { email: `billing-replay-${randomUUID()}@example.test`, name: 'billing replay' });
  await em.flush();
  try {
    await sql('insert into billing_customers (user_id, stripe_customer_id, created_at) values (?, ?, now())', [user.id, customerId]);
    await sql(
      `insert into usage_records (id, source_id, kind, user_id, model, provider, input_tokens, output_tokens, cost_usd, created_at)
       values (gen_random_uuid(), ?, 'chat', ?, 'openai/gpt-4o', 'openai', 10, 4, 0.00006500, '2026-01-10T00:00:00Z')`,
      [`replay-${randomUUID()}`, user.id],
    );
    const period = { start: '2026-01-01T00:00:00.000Z', end: '2026-02-01T00:00:00.000Z' };
    await worker.runUntil(async () => {
      for (const name of ['reported', 'already-reported']) {
        const handle = await env.client.workflow.start(billingCycleWorkflow, {
          taskQueue,
          workflowId: `${billingCycleWorkflowId(customerId)}-${name}`,
          args: [{ customerId, interval: 'monthly', period }],
        });
        const result = await handle.result();
        if (result.outcome !== name) throw new Error(`expected ${name}, got ${result.outcome}`);
        await saveHistory(`billingCycleWorkflow-${name}`, handle);
      }
    });
  } finally {
    await sql('delete from billing_periods where stripe_customer_id = ?', [customerId]);
    await sql('delete from billing_customers where stripe_customer_id = ?', [customerId]);
    await sql('delete from users where id = ?', [user.id]);
    await env.teardown();
    await stores.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
