import { defaultModelId, LOCAL_MODEL_ID, MODELS, NoProviderForModelError, providerChain, UnknownModelError, type ProviderName } from './model-registry';

const only = (...names: ProviderName[]) => new Set<ProviderName>(names);

describe('model registry', () => {
  it('names every fallback among its own models, and each id once', () => {
    const ids = new Set(MODELS.map((m) => m.id));
    expect(ids.size).toBe(MODELS.length);
    for (const m of MODELS) for (const f of m.fallbacks) expect(ids).toContain(f);
  });

  it('puts the model first, then its configured fallbacks, each once even when they point back', () => {
    const chain = providerChain('openai/gpt-4o-mini', only('local', 'openai', 'openrouter'));
    expect(chain.map((m) => m.id)).toEqual(['openai/gpt-4o-mini', 'openrouter/openai/gpt-4o-mini']);
    expect(chain[1]).toMatchObject({ provider: 'openrouter', upstreamModel: 'openai/gpt-4o-mini' });
  });

  it('skips models whose provider is not configured and serves the request through a fallback', () => {
    expect(providerChain('anthropic/claude-3-5-haiku', only('local', 'openrouter')).map((m) => m.id)).toEqual(['openrouter/anthropic/claude-3.5-haiku']);
  });

  it('never falls back silently from a hosted model to the local one', () => {
    expect(() => providerChain('openai/gpt-4o', only('local'))).toThrow(NoProviderForModelError);
  });

  it('rejects an unknown model id', () => {
    expect(() => providerChain('openai/gpt-9', only('local', 'openai'))).toThrow(UnknownModelError);
  });

  it('defaults to the local model without API keys, else to a hosted one', () => {
    expect(defaultModelId(only('local'))).toBe(LOCAL_MODEL_ID);
    expect(defaultModelId(only('local', 'anthropic'))).toBe('anthropic/claude-3-5-haiku');
    expect(defaultModelId(only('local', 'openrouter'))).toBe('openrouter/openai/gpt-4o-mini');
  });
});
