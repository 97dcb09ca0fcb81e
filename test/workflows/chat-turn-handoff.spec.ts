import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type Redis from 'ioredis';
import { createChatActivities } from '../../activities/chat/chat-turn.activities';
import { TurnHandoffWaiter } from '../../activities/chat/turn-handoff-waiter';
import { User } from '../../shared/persistence/entities';
import { encodeTurnEvent, turnStreamKey } from '../../shared/streams/turn-events';
import { acquireLease, LeaseHolderWrites, type TurnDraft } from '../../shared/streams/turn-handoff';
import { chatTurnWorkflow } from '../../workflows';
import { chatTurnWorkflowId, type ChatTurnInput } from '../../workflows/chat-turn/chat-turn.contract';
import { openStores, scriptedCandidate, ScriptedReplyProviders, seedTurn, storedTurn, turnEvents, visibleText, words } from '../support/chat-turn-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';

const HOLDER = 'spec-api-process';

/**
 * The first step streamed by an API process (shared/streams/turn-handoff.ts), seen from the workflow:
 * real Temporal, Postgres and Redis; the "API process" is this spec writing through LeaseHolderWrites,
 * the way FirstStepStreamer does.
 */
describe('chatTurn workflow adopting a first step streamed by the API', () => {
  const providers = new ScriptedReplyProviders();
  const taskQueue = `test-chat-handoff-${randomUUID()}`;
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let orm: MikroORM;
  let redis: Redis;
  let closeStores: () => Promise<void>;
  let handoff: TurnHandoffWaiter;
  let holder: LeaseHolderWrites;
  let holderRedis: Redis;
  const users: string[] = [];

  beforeAll(async () => {
    ({ orm, redis, close: closeStores } = await openStores());
    env = await localTemporal();
    handoff = new TurnHandoffWaiter(redis);
    holderRedis = redis.duplicate();
    holder = new LeaseHolderWrites(holderRedis, HOLDER);
    await holder.load();
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath,
      activities: createChatActivities({ orm, redis, providers, handoff, streamRetentionSeconds: 600, defaultMaxTokens: 256 }),
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    handoff?.close();
    holderRedis?.disconnect();
    await env?.teardown();
    if (users.length) await orm.em.fork().nativeDelete(User, { id: { $in: users } });
    await closeStores?.();
  });

  /** A seeded turn whose `turn` event is out and whose lease this spec holds, as after POST /chat/stream. */
  async function streamedByApi(model: string): Promise<{ input: ChatTurnInput; token: (text: string) => Promise<string | null> }> {
    const seeded = await seedTurn(orm, model, 'hello from the API');
    users.push(seeded.userId);
    const key = turnStreamKey(seeded.input.turnId);
    const announced = await redis.xadd(key, '*', ...encodeTurnEvent({ type: 'turn', data: { turnId: seeded.input.turnId, conversationId: seeded.conversationId, userMessageId: seeded.input.userMessageId, model } }));
    expect(await acquireLease(redis, seeded.input.turnId, HOLDER)).toBe(true);
    const [ms, seq] = announced!.split('-');
    let n = Number(seq);
    return { input: { ...seeded.input, firstStepFromApi: true }, token: (text) => holder.token(key, seeded.input.turnId, `${ms}-${++n}`, text) };
  }

  const run = (input: ChatTurnInput) => env.client.workflow.execute(chatTurnWorkflow, { taskQueue, workflowId: chatTurnWorkflowId(input.turnId), args: [input] });

  const stored = (turnId: string) => storedTurn(orm, turnId);

  const complete = (text: string): TurnDraft => ({ status: 'complete', candidateIndex: 0, text, inputTokens: 6, outputTokens: 2, finishReason: 'stop' });

  it('adopts a complete draft while the API still streams: no provider call, the reply and usage recorded once', async () => {
    let providerCalls = 0;
    const model = providers.chain('adopt', [
      scriptedCandidate('scripted/adopted', 'adopted-co', (_r, signal) => {
        providerCalls++;
        return words(['never'], { signal });
      }),
    ]);
    const { input, token } = await streamedByApi(model);
    expect(await token('Hello')).not.toBeNull();
    const result = run(input);
    // The workflow waits for the holder: the rest of the stream and the draft come later.
    await new Promise((r) => setTimeout(r, 300));
    expect(await token(' there')).not.toBeNull();
    expect(await holder.draft(input.turnId, complete('Hello there'), 600)).toBe(true);

    expect(await result).toMatchObject({ status: 'completed', provider: 'adopted-co', inputTokens: 6, outputTokens: 2 });
    expect(providerCalls).toBe(0);
    const events = await turnEvents(redis, input.turnId);
    expect(events.map((e) => e.type)).toEqual(['turn', 'token', 'token', 'done']);
    expect(visibleText(events)).toBe('Hello there');
    const { turn, assistant, usage } = await stored(input.turnId);
    expect(turn.status).toBe('completed');
    expect(assistant.map((m) => m.content)).toEqual(['Hello there']);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ provider: 'adopted-co', model: 'scripted/adopted', inputTokens: 6, outputTokens: 2 });
  });

  it('goes on with the fallback chain after a retryable failure the API handed over, with a reset', async () => {
    const model = providers.chain('handed-failure', [
      scriptedCandidate('scripted/failing', 'failing-co', (_r, signal) => words(['never'], { signal })),
      scriptedCandidate('scripted/backup', 'backup-co', (_r, signal) => words(['Backup', 'reply'], { signal })),
    ]);
    const { input, token } = await streamedByApi(model);
    await token('Half');
    await holder.draft(input.turnId, { status: 'failed', candidateIndex: 0, text: 'Half', inputTokens: 0, outputTokens: 0, finishReason: 'error', problem: { status: 502, title: 'Upstream error', detail: 'failing-co: reset', retryable: true, type: 'ProviderUpstreamError' } }, 600);

    expect(await run(input)).toMatchObject({ status: 'completed', provider: 'backup-co' });
    const events = await turnEvents(redis, input.turnId);
    expect(events.find((e) => e.type === 'reset')).toEqual({ type: 'reset', data: { attempt: 1, reason: 'fallback:scripted/backup' } });
    expect(visibleText(events)).toBe('Backup reply');
    const { assistant, usage } = await stored(input.turnId);
    expect(assistant.map((m) => m.content)).toEqual(['Backup reply']);
    expect(usage.map((u) => u.provider)).toEqual(['backup-co']);
  });

  it('fails the turn on a non-retryable failure the API handed over (401), without calling the provider again', async () => {
    let calls = 0;
    const model = providers.chain('handed-auth', [
      scriptedCandidate('scripted/locked', 'locked-co', (_r, signal) => {
        calls++;
        return words(['never'], { signal });
      }),
    ]);
    const { input } = await streamedByApi(model);
    await holder.draft(input.turnId, { status: 'failed', candidateIndex: 0, text: '', inputTokens: 0, outputTokens: 0, finishReason: 'error', problem: { status: 401, title: 'Provider rejected the credentials', detail: 'locked-co: bad key', retryable: false, type: 'ProviderAuthError' } }, 600);

    expect(await run(input)).toMatchObject({ status: 'failed', error: { status: 401 } });
    expect(calls).toBe(0);
    expect((await stored(input.turnId)).usage).toHaveLength(0);
  });

  it('takes the turn over when the lease lapses without a draft (the API died): reset, the provider called from the worker, and the dead holder fenced out', async () => {
    const model = providers.chain('takeover', [scriptedCandidate('scripted/taken', 'taken-co', (_r, signal) => words(['Taken', 'over'], { signal }))]);
    const { input, token } = await streamedByApi(model);
    await token('Lost');
    // Nobody renews the lease from here on.
    const result = await run(input);

    expect(result).toMatchObject({ status: 'completed', provider: 'taken-co' });
    const events = await turnEvents(redis, input.turnId);
    expect(events.map((e) => e.type)).toEqual(['turn', 'token', 'reset', 'token', 'token', 'done']);
    expect(events[2]).toEqual({ type: 'reset', data: { attempt: 1, reason: 'takeover' } });
    expect(visibleText(events)).toBe('Taken over');
    // A late write of the old holder is refused.
    expect(await token('late')).toBeNull();
    expect(await holder.draft(input.turnId, complete('late'), 600)).toBe(false);
    expect((await stored(input.turnId)).assistant.map((m) => m.content)).toEqual(['Taken over']);
  }, 20_000);

  it('ends as cancelled when the API was stopped: the partial text kept, no usage', async () => {
    const model = providers.chain('stopped', [scriptedCandidate('scripted/stopped', 'stopped-co', (_r, signal) => words(['never'], { signal }))]);
    const { input, token } = await streamedByApi(model);
    await token('Partial');
    await holder.draft(input.turnId, { status: 'cancelled', candidateIndex: 0, text: 'Partial', inputTokens: 0, outputTokens: 0, finishReason: 'cancelled' }, 600);

    const result = await run(input);

    expect(result.status).toBe('cancelled');
    const events = await turnEvents(redis, input.turnId);
    expect(events[events.length - 1].type).toBe('cancelled');
    const { turn, assistant, usage } = await stored(input.turnId);
    expect(turn.status).toBe('cancelled');
    expect(assistant.map((m) => m.content)).toEqual(['Partial']);
    expect(result.assistantMessageId).toBe(assistant[0].id);
    expect(usage).toHaveLength(0);
  });
});
