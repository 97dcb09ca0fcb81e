import { join } from 'node:path';
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
