/**
 * The models the gateway offers, by public id, and which upstream serves each.
 * Prices are list prices in USD per million tokens at the time of writing; the local model is free.
 */
export type ProviderName = 'local' | 'openai' | 'openrouter' | 'anthropic';

export interface ModelInfo {
  id: string;
  provider: ProviderName;
  /** The name the provider knows the model by. */
  upstreamModel: string;
  contextTokens: number;
  inputPricePerMTok: number;
  outputPricePerMTok: number;
  /** Tried in order when this model's provider is unconfigured or fails with a retryable error. */
  fallbacks: string[];
}

export const LOCAL_MODEL_ID = 'local/smollm2-135m-instruct';

export const MODELS: readonly ModelInfo[] = [
  { id: LOCAL_MODEL_ID, provider: 'local', upstreamModel: 'smollm2-135m-instruct-q4_1', contextTokens: 8192, inputPricePerMTok: 0, outputPricePerMTok: 0, fallbacks: [] },
  { id: 'openai/gpt-4o-mini', provider: 'openai', upstreamModel: 'gpt-4o-mini', contextTokens: 128_000, inputPricePerMTok: 0.15, outputPricePerMTok: 0.6, fallbacks: ['openrouter/openai/gpt-4o-mini'] },
  { id: 'openai/gpt-4o', provider: 'openai', upstreamModel: 'gpt-4o', contextTokens: 128_000, inputPricePerMTok: 2.5, outputPricePerMTok: 10, fallbacks: ['openrouter/openai/gpt-4o'] },
  { id: 'anthropic/claude-3-5-haiku', provider: 'anthropic', upstreamModel: 'claude-3-5-haiku-20241022', contextTokens: 200_000, inputPricePerMTok: 0.8, outputPricePerMTok: 4, fallbacks: ['openrouter/anthropic/claude-3.5-haiku'] },
  { id: 'anthropic/claude-sonnet-4', provider: 'anthropic', upstreamModel: 'claude-sonnet-4-20250514', contextTokens: 200_000, inputPricePerMTok: 3, outputPricePerMTok: 15, fallbacks: ['openrouter/anthropic/claude-sonnet-4'] },
  { id: 'openrouter/openai/gpt-4o-mini', provider: 'openrouter', upstreamModel: 'openai/gpt-4o-mini', contextTokens: 128_000, inputPricePerMTok: 0.15, outputPricePerMTok: 0.6, fallbacks: ['openai/gpt-4o-mini'] },
  { id: 'openrouter/openai/gpt-4o', provider: 'openrouter', upstreamModel: 'openai/gpt-4o', contextTokens: 128_000, inputPricePerMTok: 2.5, outputPricePerMTok: 10, fallbacks: ['openai/gpt-4o'] },
  { id: 'openrouter/anthropic/claude-3.5-haiku', provider: 'openrouter', upstreamModel: 'anthropic/claude-3.5-haiku', contextTokens: 200_000, inputPricePerMTok: 0.8, outputPricePerMTok: 4, fallbacks: ['anthropic/claude-3-5-haiku'] },
  { id: 'openrouter/anthropic/claude-sonnet-4', provider: 'openrouter', upstreamModel: 'anthropic/claude-sonnet-4', contextTokens: 200_000, inputPricePerMTok: 3, outputPricePerMTok: 15, fallbacks: ['anthropic/claude-sonnet-4'] },
  { id: 'openrouter/meta-llama/llama-3.1-8b-instruct', provider: 'openrouter', upstreamModel: 'meta-llama/llama-3.1-8b-instruct', contextTokens: 131_072, inputPricePerMTok: 0.02, outputPricePerMTok: 0.03, fallbacks: [] },
];

const BY_ID = new Map(MODELS.map((m) => [m.id, m]));

export class UnknownModelError extends Error {
  constructor(readonly modelId: string) {
    super(`unknown model "${modelId}"`);
    this.name = 'UnknownModelError';
  }
}

export class NoProviderForModelError extends Error {
  constructor(readonly modelId: string) {
    super(`no configured provider serves "${modelId}" or its fallbacks`);
    this.name = 'NoProviderForModelError';
  }
}

/**
 * `openai-compatible/<name>` reaches any model of the configured OpenAI-compatible endpoint
 * (vLLM, Ollama, LM Studio…) by its own name, unpriced: the operator runs that hardware.
 */
export const PASSTHROUGH_PREFIX = 'openai-compatible/';
const PASSTHROUGH_NAME = /^[A-Za-z0-9._:/-]{1,150}$/;

function passthrough(id: string): ModelInfo | undefined {
  if (!id.startsWith(PASSTHROUGH_PREFIX)) return undefined;
  const upstreamModel = id.slice(PASSTHROUGH_PREFIX.length);
  if (!PASSTHROUGH_NAME.test(upstreamModel)) return undefined;
  return { id, provider: 'openai', upstreamModel, contextTokens: 32_768, inputPricePerMTok: 0, outputPricePerMTok: 0, fallbacks: [] };
}

export function findModel(id: string): ModelInfo | undefined {
  return BY_ID.get(id) ?? passthrough(id);
}

/** The models a client may pick: those whose own provider is configured. */
export function availableModels(configured: ReadonlySet<ProviderName>): ModelInfo[] {
  return MODELS.filter((m) => configured.has(m.provider));
}

/**
 * The models to try, in order, for a request to `modelId`: the model itself, then its fallbacks
 * depth-first, each once, keeping only those whose provider is configured.
 */
export function providerChain(modelId: string, configured: ReadonlySet<ProviderName>): ModelInfo[] {
  const first = findModel(modelId);
  if (!first) throw new UnknownModelError(modelId);
  const seen = new Set<string>();
  const chain: ModelInfo[] = [];
  const visit = (model: ModelInfo) => {
    if (seen.has(model.id)) return;
    seen.add(model.id);
    if (configured.has(model.provider)) chain.push(model);
    for (const id of model.fallbacks) {
      const next = BY_ID.get(id);
      if (next) visit(next);
    }
  };
  visit(first);
  if (!chain.length) throw new NoProviderForModelError(modelId);
  return chain;
}

/** The model used when a request names none: the first hosted one with a key, else the local model. */
export function defaultModelId(configured: ReadonlySet<ProviderName>): string {
  for (const id of ['openai/gpt-4o-mini', 'anthropic/claude-3-5-haiku', 'openrouter/openai/gpt-4o-mini']) {
    if (configured.has(BY_ID.get(id)!.provider)) return id;
  }
  return LOCAL_MODEL_ID;
}
