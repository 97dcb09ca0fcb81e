/**
 * Captures the webhookDelivery workflow's histories into test/replay/histories/, for replay.spec.ts.
 * Run on demand, with a stack up and its env exported (like capture-histories.ts), TOOL_HTTP_ALLOW_HOSTS
 * listing 127.0.0.1:<port> (the receiver listens there):
 *   npx tsx test/replay/capture-webhook-histories.ts
 * It starts a throw-away Temporal server and uses the stack's Postgres; the spec user (and, by cascade,
 * its endpoint and deliveries) is removed.
 */
import { randomUUID } from 'node:crypto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createWebhookActivities } from '../../activities/webhooks/webhook.activities';
import { DestinationPolicy } from '../../shared/http/destination-policy';
import { SafeHttpClient } from '../../shared/http/safe-http.client';
import { User, WebhookDelivery, WebhookEndpoint } from '../../shared/persistence/entities';
import { SecretBox } from '../../shared/security/secret-box';
import { webhookDeliveryWorkflow } from '../../workflows';
import { webhookDeliveryWorkflowId } from '../../workflows/webhook-delivery/webhook-delivery.contract';
import { openStores } from '../support/chat-turn-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';
import { allowedToolPort, RecordingServer } from '../support/tool-test-servers';
import { saveHistory } from './history-json';


async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stores = await openStores();
  // /retried answers 500 once, then 200 (the activity's retry); everything else answers 200.
  let retriedCalls = 0;
  const server = await new RecordingServer((req, reply) => reply(req.url.startsWith('/retried') && retriedCalls++ === 0 ? 500 : 200, 'ok')).start(allowedToolPort());
  const env = await localTemporal();
  const secrets = new SecretBox(Buffer.alloc(32, 7).toString('base64'));
  const http = new SafeHttpClient(new DestinationPolicy([`127.0.0.1:${server.port}`]));
  const taskQueue = 'replay-capture-webhooks';
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities: createWebhookActivities({ orm: stores.orm, secrets, http }) });
  const em = stores.orm.em.fork();
  const user = em.create(User, { email: `webhook-replay-${randomUUID()}@example.test`, name: 'webhook replay' });
  await em.flush();
  try {
    await worker.runUntil(async () => {
      for (const name of ['delivered', 'retried']) {
        const endpoint = em.create(WebhookEndpoint, {
          id: randomUUID(),
          user,
          url: `http://127.0.0.1:${server.port}/${name}`,
          eventTypes: ['webhook.test'],
          secretSealed: secrets.seal(`whsec_${Buffer.alloc(24, 3).toString('base64')}`),
        });
        const delivery = em.create(WebhookDelivery, { id: randomUUID(), endpoint, eventType: 'webhook.test', payload: { type: 'webhook.test', data: { replay: name } } });
        await em.flush();
        const handle = await env.client.workflow.start(webhookDeliveryWorkflow, {
          taskQueue,
          workflowId: webhookDeliveryWorkflowId(delivery.id),
          args: [{ deliveryId: delivery.id }],
        });
        const result = await handle.result();
        if (result.status !== 'delivered') throw new Error(`${name}: expected delivered, got ${result.status}`);
        await saveHistory(`webhookDeliveryWorkflow-${name}`, handle);
      }
    });
    if (retriedCalls !== 2) throw new Error(`expected 2 calls to /retried, saw ${retriedCalls}`);
  } finally {
    await stores.orm.em.fork().nativeDelete(User, { id: user.id });
    await env.teardown();
    await server.stop();
    await stores.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
