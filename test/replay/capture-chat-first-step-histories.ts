/**
 * Captures chatTurn histories of the first step streamed by an API process (the workflow adopts the
 * draft in a local activity): completed and cancelled. Run on demand like capture-histories.ts:
 *   npx tsx test/replay/capture-chat-first-step-histories.ts
 */
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createChatActivities } from '../../activities/chat/chat-turn.activities';
import { TurnHandoffWaiter } from '../../activities/chat/turn-handoff-waiter';
import { User } from '../../shared/persistence/entities';
import { acquireLease, LeaseHolderWrites, type TurnDraft } from '../../shared/streams/turn-handoff';
import { chatTurnWorkflow } from '../../workflows';
import { chatTurnWorkflowId } from '../../workflows/chat-turn/chat-turn.contract';
import { openStores, scriptedCandidate, ScriptedReplyProviders, seedTurn, words } from '../support/chat-turn-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';
import { saveHistory } from './history-json';

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stores = await openStores();
  const env = await localTemporal();
  const providers = new ScriptedReplyProviders();
  const handoff = new TurnHandoffWaiter(stores.redis);
  const holder = new LeaseHolderWrites(stores.redis, 'replay-capture-api');
  const taskQueue = 'replay-capture-first-step';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath,
    activities: createChatActivities({ orm: stores.orm, redis: stores.redis, providers, handoff, streamRetentionSeconds: 600, defaultMaxTokens: 256 }),
  });
  const model = providers.chain('first-step', [scriptedCandidate('scripted/first-step', 'replay-co', (_r, signal) => words(['never', 'called'], { signal }))]);
  const users: string[] = [];

  /** What an API process leaves: the lease taken, then the draft of the first step it streamed. */
  const streamedByApi = async (name: string, draft: TurnDraft) => {
    const seeded = await seedTurn(stores.orm, model, `capture ${name}`);
    users.push(seeded.userId);
    await acquireLease(stores.redis, seeded.input.turnId, 'replay-capture-api');
    await holder.draft(seeded.input.turnId, draft, 600);
    const input = { ...seeded.input, firstStepFromApi: true };
    const handle = await env.client.workflow.start(chatTurnWorkflow, { taskQueue, workflowId: chatTurnWorkflowId(input.turnId), args: [input] });
    await handle.result();
    await saveHistory(`chatTurnWorkflow-${name}`, handle);
  };

  try {
    await worker.runUntil(async () => {
      await streamedByApi('api-first-step', { status: 'complete', candidateIndex: 0, text: 'Streamed by the API', inputTokens: 5, outputTokens: 4, finishReason: 'stop' });
      await streamedByApi('api-first-step-cancelled', { status: 'cancelled', candidateIndex: 0, text: 'Stopped', inputTokens: 0, outputTokens: 0, finishReason: 'cancelled' });
    });
  } finally {
    if (users.length) await stores.orm.em.fork().nativeDelete(User, { id: { $in: users } });
    handoff.close();
    await env.teardown();
    await stores.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
