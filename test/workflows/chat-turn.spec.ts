import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Context } from '@temporalio/activity';
import { MockActivityEnvironment, TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type Redis from 'ioredis';
import { createChatActivities } from '../../activities/chat/chat-turn.activities';
import { ProviderError } from '../../shared/llm/provider.error';
import { User } from '../../shared/persistence/entities';
import { chatTurnWorkflow } from '../../workflows';
import { chatTurnWorkflowId, ChatTurnInput, GenerateReplyResult } from '../../workflows/chat-turn/chat-turn.contract';
import { openStores, scriptedCandidate, ScriptedReplyProviders, seedTurn, storedTurn, turnEvents, visibleText, words } from '../support/chat-turn-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';

// Real Temporal (local CLI dev server), the stack's real Postgres and Redis; only the LLM layer is scripted.
describe('chatTurn workflow', () => {
  const providers = new ScriptedReplyProviders();
  const taskQueue = `test-chat-turn-${randomUUID()}`;
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let orm: MikroORM;
  let redis: Redis;
  let closeStores: () => Promise<void>;
  let activities: ReturnType<typeof createChatActivities>;
  const users: string[] = [];

  beforeAll(async () => {
    ({ orm, redis, close: closeStores } = await openStores());
    env = await localTemporal();
    activities = createChatActivities({ orm, redis, providers, streamRetentionSeconds: 600, defaultMaxTokens: 256 });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath,
      activities,
      // As the interactive worker: cancellation reaches a streaming activity within half a second.
      maxHeartbeatThrottleInterval: '500 milliseconds',
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    if (users.length) await orm.em.fork().nativeDelete(User, { id: { $in: users } });
    await closeStores?.();
  });

  async function seed(model: string, text?: string): Promise<ChatTurnInput> {
    const seeded = await seedTurn(orm, model, text);
    users.push(seeded.userId);
    return seeded.input;
  }

  const run = (input: ChatTurnInput) => env.client.workflow.execute(chatTurnWorkflow, { taskQueue, workflowId: chatTurnWorkflowId(input.turnId), args: [input] });

  /** The activity outside the workflow, as a second (or racing) attempt would run it. */
  const generateReplyDirectly = (input: ChatTurnInput, attempt: number) =>
    new MockActivityEnvironment({ attempt }).run<[ChatTurnInput], GenerateReplyResult, typeof activities.generateReply>(activities.generateReply, input);

  const stored = (turnId: string) => storedTurn(orm, turnId);

  it('falls back after a retryable mid-stream failure: reset, the fallback text, usage billed to the fallback', async () => {
    const model = providers.chain('fallback', [
      scriptedCandidate('scripted/primary', 'primary-co', async function* () {
        yield { type: 'text', delta: 'Half' };
        yield { type: 'text', delta: ' a reply' };
        throw new ProviderError('upstream', 'connection reset mid-stream', { provider: 'primary-co', status: 502 });
      }),
      scriptedCandidate('scripted/backup', 'backup-co', (_req, signal) => words(['Backup', 'says', 'hi'], { signal })),
    ]);
    const input = await seed(model);

    const result = await run(input);

    expect(result).toMatchObject({ status: 'completed', provider: 'backup-co', inputTokens: 7, outputTokens: 3 });
    const events = await turnEvents(redis, input.turnId);
    expect(events.map((e) => e.type)).toEqual(['token', 'token', 'reset', 'token', 'token', 'token', 'done']);
    expect(events[2]).toEqual({ type: 'reset', data: { attempt: 1, reason: 'fallback:scripted/backup' } });
    expect(visibleText(events)).toBe('Backup says hi');
    const { turn, assistant, usage } = await stored(input.turnId);
    expect(turn.status).toBe('completed');
    expect(assistant.map((m) => m.content)).toEqual(['Backup says hi']);
    expect(assistant[0].id).toBe(result.assistantMessageId);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ provider: 'backup-co', model: 'scripted/backup', inputTokens: 7, outputTokens: 3, costUsd: '0.00001300' });
  });

  it('fails at once on a non-retryable auth error: error event 401, no fallback, no usage', async () => {
    let primaryCalls = 0;
    let fallbackCalls = 0;
    const model = providers.chain('auth', [
      // eslint-disable-next-line require-yield
      scriptedCandidate('scripted/locked', 'locked-co', async function* () {
        primaryCalls++;
        throw new ProviderError('auth', 'invalid api key', { provider: 'locked-co', status: 401 });
      }),
      scriptedCandidate('scripted/unused', 'unused-co', (_r, signal) => {
        fallbackCalls++;
        return words(['never'], { signal });
      }),
    ]);
    const input = await seed(model);

    const result = await run(input);

    expect(result).toMatchObject({ status: 'failed', assistantMessageId: null, error: { status: 401, title: 'Provider rejected the credentials' } });
    expect({ primaryCalls, fallbackCalls }).toEqual({ primaryCalls: 1, fallbackCalls: 0 });
    const events = await turnEvents(redis, input.turnId);
    expect(events).toEqual([{ type: 'error', data: { status: 401, title: 'Provider rejected the credentials', detail: 'locked-co: invalid api key' } }]);
    const { turn, assistant, usage } = await stored(input.turnId);
    expect(turn.status).toBe('failed');
    expect(turn.error).toBe('locked-co: invalid api key');
    expect(assistant).toHaveLength(0);
    expect(usage).toHaveLength(0);
  });

  it('retries an attempt that died after some tokens: reset (retry), then the full text, billed once', async () => {
    const attempts: number[] = [];
    const model = providers.chain('crash', [
      scriptedCandidate('scripted/flaky', 'flaky-co', async function* (_req, signal) {
        const attempt = Context.current().info.attempt;
        attempts.push(attempt);
        if (attempt === 1) {
          yield { type: 'text', delta: 'Partial' };
          yield { type: 'text', delta: ' then' };
          throw new TypeError('worker process lost'); // not a ProviderError: what a dying worker looks like
        }
        yield* words(['Complete', 'answer', 'here'], { signal });
      }),
    ]);
    const input = await seed(model);

    const result = await run(input);

    expect(result.status).toBe('completed');
    expect(attempts).toEqual([1, 2]);
    const events = await turnEvents(redis, input.turnId);
    expect(events.map((e) => e.type)).toEqual(['token', 'token', 'reset', 'token', 'token', 'token', 'done']);
    expect(events[2]).toEqual({ type: 'reset', data: { attempt: 2, reason: 'retry' } });
    expect(visibleText(events)).toBe('Complete answer here');
    const { assistant, usage } = await stored(input.turnId);
    expect(assistant.map((m) => m.content)).toEqual(['Complete answer here']);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ provider: 'flaky-co', outputTokens: 3 });
  });

  it('records a turn once when generateReply runs again after completion (a retry whose report was lost)', async () => {
    let streams = 0;
    const model = providers.chain('again', [
      scriptedCandidate('scripted/steady', 'steady-co', (_r, signal) => {
        streams++;
        return words(['Only', 'once'], { signal });
      }),
    ]);
    const input = await seed(model);
    const first = await run(input);
    const eventsBefore = await turnEvents(redis, input.turnId);

    const again = await generateReplyDirectly(input, 2);

    expect(streams).toBe(1);
    expect(again).toMatchObject({ assistantMessageId: first.assistantMessageId, provider: 'steady-co', inputTokens: 7, outputTokens: 2 });
    expect(await turnEvents(redis, input.turnId)).toEqual(eventsBefore);
    const { assistant, usage } = await stored(input.turnId);
    expect(assistant.map((m) => [m.id, m.content])).toEqual([[first.assistantMessageId, 'Only once']]);
    expect(usage).toHaveLength(1);
  });

  it('records a turn once when two attempts race on it', async () => {
    let streams = 0;
    const model = providers.chain('race', [
      scriptedCandidate('scripted/steady', 'steady-co', (_r, signal) => {
        streams++;
        return words(['Only', 'once'], { signal, delayMs: 20 });
      }),
    ]);
    const input = await seed(model);

    const [a, b] = await Promise.all([1, 2].map(() => generateReplyDirectly(input, 1)));

    expect(streams).toBe(2);
    expect(b.assistantMessageId).toBe(a.assistantMessageId);
    const { turn, assistant, usage } = await stored(input.turnId);
    expect(turn.assistantMessageId).toBe(a.assistantMessageId);
    expect(assistant.map((m) => [m.id, m.content])).toEqual([[a.assistantMessageId, 'Only once']]);
    expect(usage).toHaveLength(1);
    const done = (await turnEvents(redis, input.turnId)).filter((e) => e.type === 'done');
    expect(done).toEqual([expect.objectContaining({ data: expect.objectContaining({ messageId: a.assistantMessageId, content: 'Only once' }) })]);
  });

  it('cancels a streaming turn: the provider call is aborted, the partial text kept, `cancelled` closes the stream', async () => {
    let seenSignal: AbortSignal | undefined;
    const model = providers.chain('slow', [
      scriptedCandidate('scripted/slow', 'slow-co', (_r, signal) => {
        seenSignal = signal;
        return words(Array.from({ length: 200 }, (_, i) => `w${i}`), { signal, delayMs: 30 });
      }),
    ]);
    const input = await seed(model);
    const handle = await env.client.workflow.start(chatTurnWorkflow, { taskQueue, workflowId: chatTurnWorkflowId(input.turnId), args: [input] });

    await waitFor(async () => (await turnEvents(redis, input.turnId)).filter((e) => e.type === 'token').length >= 3);
    await handle.cancel();
    const result = await handle.result();

    expect(result.status).toBe('cancelled');
    expect(seenSignal?.aborted).toBe(true);
    const events = await turnEvents(redis, input.turnId);
    expect(events[events.length - 1].type).toBe('cancelled');
    expect(events.filter((e) => e.type === 'cancelled')).toHaveLength(1);
    const partial = visibleText(events);
    expect(partial.split(' ').length).toBeGreaterThanOrEqual(3);
    expect(partial.split(' ').length).toBeLessThan(200);
    const { turn, assistant, usage } = await stored(input.turnId);
    expect(turn.status).toBe('cancelled');
    expect(assistant.map((m) => m.content)).toEqual([partial]);
    expect(result.assistantMessageId).toBe(assistant[0].id);
    expect(usage).toHaveLength(0);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
