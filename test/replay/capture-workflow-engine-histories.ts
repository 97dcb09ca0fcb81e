/**
 * Captures declarativeRun interpreter histories into test/replay/histories/, for replay.spec.ts
 * (the capture-histories.ts pattern). With a stack up and its env exported:
 *   npx tsx test/replay/capture-workflow-engine-histories.ts
 * One run uses every node kind that needs no outside service (decision, parallel any, loop, wait on a
 * timer and a signal, approval, notify through the sendEmail child); another is cancelled mid-wait.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createTransport } from 'nodemailer';
import { createEngineActivities } from '../../activities/engine/engine.activities';
import { createEmailActivities } from '../../activities/notifications/email.activities';
import { DestinationPolicy } from '../../shared/http/destination-policy';
import { SafeHttpClient } from '../../shared/http/safe-http.client';
import { parseDefinition } from '../../shared/workflow-definitions/definition-parser';
import { declarativeRunWorkflow } from '../../workflows';
import { approveSignal, namedSignal, stateQuery, WorkflowSpec } from '../../workflows/declarative-run/declarative-run.contract';
import { openStores, ScriptedReplyProviders } from '../support/chat-turn-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';
import { saveHistory } from './history-json';


const RICH = `
name: Replay capture
nodes:
  - id: route
    type: decision
    cases: [{ when: "input.items|length > 1", then: fan }]
  - id: fan
    type: parallel
    join: any
    branches:
      - nodes: [{ id: quick, type: wait, duration: 10ms }]
      - nodes: [{ id: slow, type: wait, duration: 1h }]
  - id: each
    type: loop
    forEach: input.items
    max: 10
    do:
      - { id: tick, type: wait, duration: 5ms }
  - { id: gate, type: wait, signal: go }
  - { id: approve, type: approval, timeout: 1h }
  - id: mail
    type: action
    kind: notify
    to: replay@example.test
    subject: "Replay \${{ steps.each.iterations }}"
    text: "\${{ steps.gate.payload.note }}"
`;

function spec(source: string): WorkflowSpec {
  const parsed = parseDefinition(source);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stores = await openStores();
  const env = await localTemporal();
  const taskQueue = 'replay-capture-engine';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath,
    activities: {
      ...createEngineActivities({ orm: stores.orm, providers: new ScriptedReplyProviders(), http: new SafeHttpClient(new DestinationPolicy()), defaultModel: 'none' }),
      ...createEmailActivities({ transport: createTransport(process.env.SMTP_URL ?? 'smtp://127.0.0.1:1025'), from: 'gateway@replay.local' }),
    },
  });
  // The workflow id is the history's file name: replay.spec.ts replays under that id, and child ids derive from it.
  const start = (name: string, source: string, input: Record<string, unknown>) => {
    const definitionId = randomUUID();
    return env.client.workflow.start(declarativeRunWorkflow, {
      taskQueue,
      workflowId: name,
      args: [{ definitionId, version: 1, ownerId: randomUUID(), spec: spec(source), input, trigger: 'manual' }],
    });
  };
  const waitingOn = async (h: WorkflowHandle, stepId: string) => {
    while (!(await h.query(stateQuery)).steps.some((s) => s.id === stepId && s.status === 'waiting')) await new Promise((r) => setTimeout(r, 25));
  };

  try {
    await worker.runUntil(async () => {
      const rich = await start('declarativeRunWorkflow-completed', RICH, { items: ['a', 'b', 'c'] });
      await waitingOn(rich, 'gate');
      await rich.signal(namedSignal, { name: 'go', payload: { note: 'captured' } });
      await waitingOn(rich, 'approve');
      await rich.signal(approveSignal, { by: 'replay' });
      await rich.result();
      await saveHistory('declarativeRunWorkflow-completed', rich);

      const held = await start('declarativeRunWorkflow-cancelled', 'name: Held\nnodes:\n  - { id: hold, type: wait, signal: never }\n', {});
      await waitingOn(held, 'hold');
      await held.cancel();
      await held.result().catch(() => undefined);
      await saveHistory('declarativeRunWorkflow-cancelled', held);
    });
  } finally {
    await env.teardown();
    await stores.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
