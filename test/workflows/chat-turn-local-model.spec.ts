import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type Redis from 'ioredis';
import { createChatActivities } from '../../activities/chat/chat-turn.activities';
import { createReplyProviders } from '../../shared/chat/llm-reply-providers';
import { LOCAL_MODEL_ID } from '../../shared/domain/model-registry';
import { unloadLocalModel, type LocalModelOptions } from '../../shared/llm/local/local-model.loader';
import { LocalProvider } from '../../shared/llm/local/local.provider';
import type { ChatProvider } from '../../shared/llm/provider.types';
import { User } from '../../shared/persistence/entities';
import { chatTurnWorkflow } from '../../workflows';
import { chatTurnWorkflowId, type ChatTurnInput } from '../../workflows/chat-turn/chat-turn.contract';
import { openStores, seedTurn, turnEvents } from '../support/chat-turn-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';

// Real Temporal, Postgres, Redis and the real local model behind the production LLM layer: how turns
// on the one in-process model share it (queue) and how a turn that cannot get it ends (a 429 problem).
describe('chatTurn workflow on the local model', () => {
  const modelPath = process.env.LOCAL_MODEL_PATH ?? join(__dirname, '../../.tools/models/smollm2-135m-instruct-q4_1.gguf');
  let local = new LocalProvider({ modelPath });
  const switchable: ChatProvider = { name: 'local', stream: (request, options) => local.stream(request, options) };
  const taskQueue = `test-chat-turn-local-${randomUUID()}`;
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let orm: MikroORM;
  let redis: Redis;
  let closeStores: () => Promise<void>;
  const users: string[] = [];

  beforeAll(async () => {
    ({ orm, redis, close: closeStores } = await openStores());
    env = await localTemporal();
    const activities = createChatActivities({ orm, redis, providers: createReplyProviders(new Map([['local', switchable]])), streamRetentionSeconds: 600, defaultMaxTokens: 256 });
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities, maxHeartbeatThrottleInterval: '500 milliseconds' });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    if (users.length) await orm.em.fork().nativeDelete(User, { id: { $in: users } });
    await closeStores?.();
    await unloadLocalModel();
  });

  const useModel = (options: Omit<LocalModelOptions, 'modelPath'>) => (local = new LocalProvider({ modelPath, threads: 1, ...options }));

  async function seed(text: string, maxTokens: number): Promise<ChatTurnInput> {
    const seeded = await seedTurn(orm, LOCAL_MODEL_ID, text);
    users.push(seeded.userId);
    return { ...seeded.input, maxTokens, temperature: 0 };
  }

  const start = (input: ChatTurnInput) => env.client.workflow.start(chatTurnWorkflow, { taskQueue, workflowId: chatTurnWorkflowId(input.turnId), args: [input] });

  it('queues concurrent turns on one sequence: every turn completes, none fails', async () => {
    useModel({ parallel: 1, maxQueued: 4, maxQueueWaitMs: 60_000 });
    const inputs = await Promise.all(['What is the capital of France?', 'What is the capital of Italy?', 'Name a colour.'].map((q) => seed(q, 24)));

    const results = await Promise.all(inputs.map(async (input) => (await start(input)).result()));

    expect(results.map((r) => r.status)).toEqual(['completed', 'completed', 'completed']);
    for (const input of inputs) {
      const events = await turnEvents(redis, input.turnId);
      expect(events.at(-1)).toMatchObject({ type: 'done' });
      expect(events.filter((e) => e.type === 'reset')).toEqual([]); // served on the first attempt, no retry
    }
    const done = await Promise.all(inputs.map(async (input) => (await turnEvents(redis, input.turnId)).at(-1)));
    for (const event of done) expect(event).toMatchObject({ type: 'done', data: { content: expect.stringMatching(/\S/) } });
  });

  it('ends a turn that waited the maximum for the model with a 429 problem (Retry-After) in its error event, at once', async () => {
    useModel({ parallel: 1, maxQueued: 4, maxQueueWaitMs: 1_000 });
    const longInput = await seed('Write a long story about a dragon and a knight.', 400);
    const long = await start(longInput);
    // The long turn holds the only sequence once it streams.
    for (let i = 0; i < 600 && !(await turnEvents(redis, longInput.turnId)).length; i++) await new Promise((r) => setTimeout(r, 50));

    const waiting = await seed('Name a fruit.', 8);
    const started = performance.now();
    const result = await (await start(waiting)).result();
    const elapsed = performance.now() - started;

    expect(result).toMatchObject({ status: 'failed', error: { status: 429, title: 'Provider rate limit', retryAfterSeconds: expect.any(Number) } });
    expect(result.error!.detail).toMatch(/waited 1 s for the local model/);
    expect(result.error!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(elapsed).toBeLessThan(10_000); // one wait of 1 s, not retried behind the queue again
    const events = await turnEvents(redis, waiting.turnId);
    expect(events.at(-1)).toMatchObject({ type: 'error', data: { status: 429, retryAfterSeconds: result.error!.retryAfterSeconds } });

    await long.cancel();
    await long.result().catch(() => undefined);
  });
});
