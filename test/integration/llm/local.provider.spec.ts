import { join } from 'node:path';
import { ProviderError } from '../../../shared/llm/provider.error';
import { loadLocalModel, unloadLocalModel } from '../../../shared/llm/local/local-model.loader';
import { LocalProvider } from '../../../shared/llm/local/local.provider';
import type { ProviderEvent } from '../../../shared/llm/provider.types';

// The real model `./dev install` puts in place (SmolLM2-135M-Instruct, Q4_1): no mock, nothing skipped.
const model = {
  modelPath: process.env.LOCAL_MODEL_PATH ?? join(__dirname, '../../../.tools/models/smollm2-135m-instruct-q4_1.gguf'),
  threads: Number(process.env.LOCAL_MODEL_THREADS ?? 1),
};
const ask = (question: string) => ({
  model: 'smollm2-135m-instruct-q4_1',
  messages: [{ role: 'system' as const, content: 'You are a helpful assistant.' }, { role: 'user' as const, content: question }],
});
const request = ask('Name three colours.');

describe('local provider running the GGUF model in-process', () => {
  const provider = new LocalProvider(model);
  afterAll(() => unloadLocalModel());

  it('loads the model once per process and streams a short completion with token counts', async () => {
    const loaded = await loadLocalModel(model);
    expect(await loadLocalModel(model)).toBe(loaded);

    const started = performance.now();
    let firstTokenAt = 0;
    const events: ProviderEvent[] = [];
    for await (const event of provider.stream({ ...request, maxTokens: 16, temperature: 0 })) {
      if (event.type === 'text' && !firstTokenAt) firstTokenAt = performance.now();
      events.push(event);
    }
    const seconds = (performance.now() - firstTokenAt) / 1000;

    const text = events.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');
    const usage = events.find((e) => e.type === 'usage');
    expect(text.trim().length).toBeGreaterThan(0);
    expect(usage).toMatchObject({ type: 'usage', inputTokens: expect.any(Number), outputTokens: expect.any(Number) });
    if (usage?.type !== 'usage') throw new Error('no usage');
    expect(usage.inputTokens).toBeGreaterThan(5);
    expect(usage.outputTokens).toBeGreaterThan(0);
    expect(usage.outputTokens).toBeLessThanOrEqual(16);
    expect(events.at(-1)).toMatchObject({ type: 'finish' });
    console.log(
      `local model: load ${loaded.loadMs.toFixed(0)} ms, first token ${(firstTokenAt - started).toFixed(0)} ms, ` +
        `${usage.outputTokens} tokens at ${(usage.outputTokens / seconds).toFixed(1)} tokens/s (${model.threads} thread(s)); ${JSON.stringify(text)}`,
    );
  });

  it('answers a question sensibly through the chat template embedded in the GGUF', async () => {
    const { model: loadedModel, chatWrapper } = await loadLocalModel(model);
    expect(chatWrapper.wrapperName).toBe('JinjaTemplate');
    expect(loadedModel.fileInfo.metadata.tokenizer.chat_template).toContain('<|im_start|>');

    let text = '';
    for await (const event of provider.stream({ ...ask('What is the capital of France?'), maxTokens: 32, temperature: 0 })) {
      if (event.type === 'text') text += event.delta;
    }
    expect(text).toMatch(/\bParis\b/);
  });

  it('stops generating when aborted, and serves the next request', async () => {
    const controller = new AbortController();
    const received: string[] = [];
    let error: unknown;
    try {
      for await (const event of provider.stream({ ...request, maxTokens: 400 }, { signal: controller.signal })) {
        if (event.type === 'text') received.push(event.delta);
        if (received.length === 2) controller.abort();
      }
    } catch (err) {
      error = err;
    }
    expect((error as Error).name).toBe('AbortError');
    expect(received.length).toBeGreaterThanOrEqual(2);
    expect(received.length).toBeLessThan(10);

    const { context } = await loadLocalModel(model);
    expect(context.sequencesLeft).toBe(2); // the aborted generation gave its sequence back

    const after: ProviderEvent[] = [];
    for await (const event of provider.stream({ ...request, maxTokens: 4 })) after.push(event);
    expect(after.at(-1)).toMatchObject({ type: 'finish', reason: 'length' });
  });

  it('refuses an already aborted signal before touching the model', async () => {
    const iterator = provider.stream(request, { signal: AbortSignal.abort() })[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('local provider under concurrent turns (parallel=2)', () => {
  afterAll(() => unloadLocalModel());

  async function generate(provider: LocalProvider, question: string, maxTokens: number) {
    const timeline: { firstTokenAt?: number; endedAt?: number; text: string } = { text: '' };
    for await (const event of provider.stream({ ...ask(question), maxTokens, temperature: 0 })) {
      if (event.type === 'text') {
        timeline.firstTokenAt ??= performance.now();
        timeline.text += event.delta;
      }
    }
    timeline.endedAt = performance.now();
    return timeline;
  }

  it('queues the generations beyond the free sequences first come, first served: all of them answer', async () => {
    const options = { ...model, parallel: 2, maxQueued: 16, maxQueueWaitMs: 60_000 };
    const provider = new LocalProvider(options);
    const { queue } = await loadLocalModel(options);
    const questions = ['What is the capital of France?', 'What is the capital of Italy?', 'What is the capital of Spain?', 'What is the capital of Germany?'];
    const runs = questions.map((q) => generate(provider, q, 24));
    await new Promise((resolve) => setImmediate(resolve));
    expect({ running: queue.running, queued: queue.queued }).toEqual({ running: 2, queued: 2 });

    const results = await Promise.all(runs);
    for (const r of results) expect(r.text.trim().length).toBeGreaterThan(0);
    expect(results[0].text).toMatch(/Paris/);
    // The queued two start only as the first two end, in the order they came.
    const firstEnd = Math.min(results[0].endedAt!, results[1].endedAt!);
    expect(results[2].firstTokenAt!).toBeGreaterThanOrEqual(firstEnd);
    expect(results[3].firstTokenAt!).toBeGreaterThanOrEqual(results[2].firstTokenAt!);
    expect({ running: queue.running, queued: queue.queued }).toEqual({ running: 0, queued: 0 });
  });

  it('refuses a generation beyond the queue limit as rate limited with a Retry-After; the others still answer', async () => {
    const options = { ...model, parallel: 2, maxQueued: 1, maxQueueWaitMs: 60_000 };
    const provider = new LocalProvider(options);
    await loadLocalModel(options);
    const runs = ['Name a fruit.', 'Name a colour.', 'Name an animal.', 'Name a city.'].map((q) =>
      generate(provider, q, 8).then(
        (r) => ({ ok: true as const, text: r.text }),
        (err: unknown) => ({ ok: false as const, err }),
      ),
    );
    const results = await Promise.all(runs);
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false]);
    const refused = results[3];
    if (refused.ok) throw new Error('not refused');
    expect(refused.err).toBeInstanceOf(ProviderError);
    expect(refused.err).toMatchObject({ kind: 'rate_limited', retryable: true, retryAfterSeconds: expect.any(Number) });
    expect((refused.err as ProviderError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('refuses a generation that waited the maximum, not retryable, after that bound', async () => {
    const options = { ...model, parallel: 1, maxQueued: 4, maxQueueWaitMs: 300 };
    const provider = new LocalProvider(options);
    await loadLocalModel(options);
    const long = generate(provider, 'Write a long story about a dragon.', 80);
    const started = performance.now();
    const refused = await generate(provider, 'Name a fruit.', 8).catch((err: unknown) => err);
    const waited = performance.now() - started;
    expect(refused).toMatchObject({ kind: 'rate_limited', retryable: false, retryAfterSeconds: expect.any(Number) });
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(5_000);
    expect((await long).text.length).toBeGreaterThan(0);
  });
});
