import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { MockActivityEnvironment, TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import type { ReplyRequest } from '../../shared/chat/reply-provider';
import { createSummarizeActivities } from '../../activities/chat/summarize.activities';
import { summaryRequest } from '../../activities/chat/summary-prompt';
import { ProviderError } from '../../shared/llm/provider.error';
import { Conversation, Message, MessageRole, UsageRecord, User } from '../../shared/persistence/entities';
import { summarizeConversationWorkflow } from '../../workflows';
import {
  summarizeConversationWorkflowId,
  SummarizeConversationInput,
  SummarizeConversationResult,
} from '../../workflows/summarize-conversation/summarize-conversation.contract';
import { openStores, scriptedCandidate, ScriptedReplyProviders, seedTurn, words } from '../support/chat-turn-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';

// Real Temporal, the stack's Postgres; only the LLM layer is scripted.
describe('summarizeConversation workflow', () => {
  const providers = new ScriptedReplyProviders();
  const taskQueue = `test-summarize-${randomUUID()}`;
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let orm: MikroORM;
  let closeStores: () => Promise<void>;
  let activities: ReturnType<typeof createSummarizeActivities>;
  const users: string[] = [];

  beforeAll(async () => {
    ({ orm, close: closeStores } = await openStores());
    env = await localTemporal();
    activities = createSummarizeActivities({ orm, providers });
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    if (users.length) await orm.em.fork().nativeDelete(User, { id: { $in: users } });
    await closeStores?.();
  });

  /** A conversation with a question and its answer; the summary covers up to the answer. */
  async function conversation(model: string): Promise<SummarizeConversationInput> {
    const seeded = await seedTurn(orm, model, 'How do I bake bread?');
    users.push(seeded.userId);
    const em = orm.em.fork();
    const answer = em.create(Message, { conversation: seeded.conversationId, role: MessageRole.Assistant, content: 'Flour, water, salt, yeast, time.', createdAt: new Date(Date.now() + 1) });
    await em.flush();
    return { conversationId: seeded.conversationId, userId: seeded.userId, lastMessageId: answer.id, model };
  }

  const run = (input: SummarizeConversationInput) =>
    env.client.workflow.execute(summarizeConversationWorkflow, { taskQueue, workflowId: summarizeConversationWorkflowId(input.conversationId, input.lastMessageId), args: [input] });

  async function stored(input: SummarizeConversationInput) {
    const em = orm.em.fork();
    const { summary } = await em.findOneOrFail(Conversation, input.conversationId);
    const usage = await em.find(UsageRecord, { conversationId: input.conversationId, kind: 'summary' });
    return { summary, usage };
  }

  it('asks the fallback when the model fails, stores its summary and bills it once', async () => {
    const seen: ReplyRequest[] = [];
    const model = providers.chain('sum-fallback', [
      // eslint-disable-next-line require-yield
      scriptedCandidate('scripted/down', 'down-co', async function* () {
        throw new ProviderError('upstream', 'bad gateway', { provider: 'down-co', status: 502 });
      }),
      scriptedCandidate('scripted/up', 'up-co', (req, signal) => {
        seen.push(req);
        return words(['Bread', 'basics', 'explained.'], { signal, inputTokens: 40 });
      }),
    ]);
    const input = await conversation(model);
    // A message after the summarized state is not part of this summary.
    const em = orm.em.fork();
    em.create(Message, { conversation: input.conversationId, role: MessageRole.User, content: 'later question', createdAt: new Date(Date.now() + 1000) });
    await em.flush();

    const result = await run(input);

    expect(result).toEqual({ conversationId: input.conversationId, summary: 'Bread basics explained.', model: 'scripted/up', provider: 'up-co' });
    const history = [
      { role: 'user' as const, content: 'How do I bake bread?' },
      { role: 'assistant' as const, content: 'Flour, water, salt, yeast, time.' },
    ];
    expect(seen).toEqual([{ messages: summaryRequest(history, 8192), maxTokens: 300, temperature: 0.2 }]);
    const { summary, usage } = await stored(input);
    expect(summary).toBe('Bread basics explained.');
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ sourceId: summarizeConversationWorkflowId(input.conversationId, input.lastMessageId), provider: 'up-co', inputTokens: 40, outputTokens: 3 });
  });

  it('fails without retrying on an auth error and stores nothing', async () => {
    let calls = 0;
    const model = providers.chain('sum-auth', [
      // eslint-disable-next-line require-yield
      scriptedCandidate('scripted/locked', 'locked-co', async function* () {
        calls++;
        throw new ProviderError('auth', 'invalid api key', { provider: 'locked-co', status: 401 });
      }),
    ]);
    const input = await conversation(model);

    const err = await run(input).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(((err as WorkflowFailedError).cause?.cause as { type?: string }).type).toBe('ProviderAuthError');
    expect(calls).toBe(1);
    expect(await stored(input)).toEqual({ summary: null, usage: [] });
  });

  it('bills a state once even when the activity runs again (a retry after it stored)', async () => {
    const model = providers.chain('sum-again', [scriptedCandidate('scripted/steady', 'steady-co', (_r, signal) => words(['Same', 'state.'], { signal }))]);
    const input = await conversation(model);
    const direct = () => new MockActivityEnvironment().run<[SummarizeConversationInput], SummarizeConversationResult, typeof activities.summarizeConversation>(activities.summarizeConversation, input);

    await direct();
    const again = await direct();

    expect(again.summary).toBe('Same state.');
    const { summary, usage } = await stored(input);
    expect(summary).toBe('Same state.');
    expect(usage).toHaveLength(1);
  });
});
