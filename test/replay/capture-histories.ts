/**
 * Captures one history per workflow type and outcome into test/replay/histories/, for replay.spec.ts.
 * Run on demand, with a stack up and its env exported (README, "Replay histories"):
 *   npx tsx test/replay/capture-histories.ts
 * It starts a throw-away Temporal server and uses the stack's Postgres, Redis and SMTP sink; the LLM
 * layer is scripted, so no model is needed.
 */
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createTransport } from 'nodemailer';
import { createChatActivities } from '../../activities/chat/chat-turn.activities';
import { createSummarizeActivities } from '../../activities/chat/summarize.activities';
import { ProviderError } from '../../shared/llm/provider.error';
import { createEmailActivities } from '../../activities/notifications/email.activities';
import { User } from '../../shared/persistence/entities';
import { chatTurnWorkflow, sendEmailWorkflow, summarizeConversationWorkflow } from '../../workflows';
import { chatTurnWorkflowId } from '../../workflows/chat-turn/chat-turn.contract';
import { sendEmailWorkflowId } from '../../workflows/send-email/send-email.contract';
import { summarizeConversationWorkflowId } from '../../workflows/summarize-conversation/summarize-conversation.contract';
import { openStores, scriptedCandidate, ScriptedReplyProviders, seedTurn, turnEvents, words } from '../support/chat-turn-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';
import { saveHistory } from './history-json';


async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stores = await openStores();
  const env = await localTemporal();
  const providers = new ScriptedReplyProviders();
  const taskQueue = 'replay-capture';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath,
    maxHeartbeatThrottleInterval: '500 milliseconds',
    activities: {
      ...createEmailActivities({ transport: createTransport(process.env.SMTP_URL ?? 'smtp://127.0.0.1:1025'), from: 'gateway@replay.local' }),
      ...createChatActivities({ orm: stores.orm, redis: stores.redis, providers, streamRetentionSeconds: 600, defaultMaxTokens: 256 }),
      ...createSummarizeActivities({ orm: stores.orm, providers }),
    },
  });
  const users: string[] = [];
  const seed = async (model: string) => {
    const s = await seedTurn(stores.orm, model, 'capture this turn');
    users.push(s.userId);
    return s;
  };

  try {
    await worker.runUntil(async () => {
      const { client } = env;

      const email = await client.workflow.start(sendEmailWorkflow, {
        taskQueue,
        workflowId: sendEmailWorkflowId('replay', 'capture'),
        args: [{ message: { to: 'replay@example.test', subject: 'Replay', text: 'captured', purpose: 'replay' }, requestId: 'replay' }],
      });
      await email.result();
      await saveHistory('sendEmailWorkflow-completed', email);

      const ok = await seed(providers.chain('ok', [scriptedCandidate('scripted/ok', 'replay-co', (_r, signal) => words(['Captured', 'reply'], { signal }))]));
      const completed = await client.workflow.start(chatTurnWorkflow, { taskQueue, workflowId: chatTurnWorkflowId(ok.input.turnId), args: [ok.input] });
      await completed.result();
      await saveHistory('chatTurnWorkflow-completed', completed);

      // eslint-disable-next-line require-yield
      const denied = await seed(providers.chain('denied', [scriptedCandidate('scripted/denied', 'replay-co', async function* () {
        throw new ProviderError('auth', 'invalid api key', { provider: 'replay-co', status: 401 });
      })]));
      const failed = await client.workflow.start(chatTurnWorkflow, { taskQueue, workflowId: chatTurnWorkflowId(denied.input.turnId), args: [denied.input] });
      await failed.result();
      await saveHistory('chatTurnWorkflow-failed', failed);

      const slow = await seed(providers.chain('slow', [scriptedCandidate('scripted/slow', 'replay-co', (_r, signal) => words(Array.from({ length: 200 }, (_, i) => `w${i}`), { signal, delayMs: 30 }))]));
      const cancelled = await client.workflow.start(chatTurnWorkflow, { taskQueue, workflowId: chatTurnWorkflowId(slow.input.turnId), args: [slow.input] });
      while ((await turnEvents(stores.redis, slow.input.turnId)).length < 3) await new Promise((r) => setTimeout(r, 25));
      await cancelled.cancel();
      await cancelled.result();
      await saveHistory('chatTurnWorkflow-cancelled', cancelled);

      const summaryModel = providers.chain('summary', [scriptedCandidate('scripted/summary', 'replay-co', (_r, signal) => words(['A', 'short', 'summary'], { signal }))]);
      const conv = await seed(summaryModel);
      const input = { conversationId: conv.conversationId, userId: conv.userId, lastMessageId: conv.input.userMessageId, model: summaryModel };
      const summary = await client.workflow.start(summarizeConversationWorkflow, {
        taskQueue,
        workflowId: summarizeConversationWorkflowId(input.conversationId, input.lastMessageId),
        args: [input],
      });
      await summary.result();
      await saveHistory('summarizeConversationWorkflow-completed', summary);
    });
  } finally {
    if (users.length) await stores.orm.em.fork().nativeDelete(User, { id: { $in: users } });
    await env.teardown();
    await stores.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
