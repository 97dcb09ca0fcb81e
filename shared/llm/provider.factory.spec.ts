import { createProviders, type ProviderConfig } from './provider.factory';

const base: ProviderConfig = {
  OPENROUTER_BASE_URL: 'https://openrouter.ai/api/v1',
  ANTHROPIC_BASE_URL: 'https://api.anthropic.com',
  LOCAL_MODEL_PATH: '/nonexistent/model.gguf',
  LOCAL_MODEL_THREADS: 1,
  LOCAL_MODEL_PARALLEL: 2,
  LOCAL_MODEL_MAX_QUEUED: 16,
  LOCAL_MODEL_MAX_QUEUE_WAIT_SECONDS: 60,
  PUBLIC_URL: 'http://127.0.0.1:3000',
};

describe('createProviders', () => {
  it('has only the local provider without keys (nothing is loaded until used)', () => {
    expect([...createProviders(base).keys()]).toEqual(['local']);
  });

  it('adds each hosted provider that is configured', () => {
    const providers = createProviders({ ...base, OPENAI_API_KEY: 'sk', OPENROUTER_API_KEY: 'or', ANTHROPIC_API_KEY: 'ant' });
    expect([...providers.keys()].sort()).toEqual(['anthropic', 'local', 'openai', 'openrouter']);
  });

  it('treats a keyless OpenAI-compatible base URL (Ollama, vLLM) as configured', () => {
    expect(createProviders({ ...base, OPENAI_COMPATIBLE_BASE_URL: 'http://127.0.0.1:11434/v1' }).has('openai')).toBe(true);
  });

  it('reports a missing local model file as a non-retryable provider error', async () => {
    const local = createProviders(base).get('local')!;
    const iterator = local.stream({ model: 'x', messages: [{ role: 'user', content: 'hi' }] })[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toMatchObject({ name: 'ProviderError', kind: 'upstream', retryable: false });
  });
});
