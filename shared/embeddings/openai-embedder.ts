import { ProviderError } from '../llm/provider.error';
import { errorFromResponse } from '../llm/sse-request';
import type { Embedder, EmbeddingResult } from './embedder';

export interface OpenAiEmbedderOptions {
  /** Up to and including the version segment, e.g. https://api.openai.com/v1. */
  baseUrl: string;
  apiKey?: string;
  /** The provider's model id, e.g. text-embedding-3-small. */
  model: string;
  dimensions: number;
  maxTokens?: number;
  /** Inputs per request: OpenAI accepts up to 2048, smaller keeps each request well under its size limits. */
  batchSize?: number;
  timeoutMs?: number;
}

interface EmbeddingsResponse {
  data?: { index: number; embedding: number[] | string }[];
  usage?: { prompt_tokens?: number; total_tokens?: number };
}

/** Hosted embeddings through an OpenAI-compatible provider's POST /embeddings (OpenAI, vLLM, Ollama, LM Studio…). */
export class OpenAiEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  readonly maxTokens: number;
  private readonly batchSize: number;

  constructor(private readonly options: OpenAiEmbedderOptions) {
    this.model = `openai/${options.model}`;
    this.dimensions = options.dimensions;
    this.maxTokens = options.maxTokens ?? 8191;
    this.batchSize = options.batchSize ?? 256;
  }

  async embed(texts: string[]): Promise<EmbeddingResult> {
    const vectors: number[][] = [];
    let tokens = 0;
    for (let start = 0; start < texts.length; start += this.batchSize) {
      const batch = await this.request(texts.slice(start, start + this.batchSize));
      vectors.push(...batch.vectors);
      tokens += batch.tokens;
    }
    return { vectors, tokens };
  }

  private async request(input: string[]): Promise<EmbeddingResult> {
    const { baseUrl, apiKey, model } = this.options;
    let response: Response;
    try {
      response = await fetch(`${baseUrl.replace(/\/+$/, '')}/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify({ model, input, encoding_format: 'float' }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      throw new ProviderError(timedOut ? 'timeout' : 'upstream', `openai embeddings: ${(err as Error).message}`, { provider: 'openai', cause: err });
    }
    if (!response.ok) throw await errorFromResponse('openai', response);
    const body = (await response.json()) as EmbeddingsResponse;
    const data = [...(body.data ?? [])].sort((a, b) => a.index - b.index);
    if (data.length !== input.length || data.some((d) => !Array.isArray(d.embedding))) {
      throw new ProviderError('upstream', `openai embeddings answered ${data.length} float vectors for ${input.length} inputs`, { provider: 'openai' });
    }
    const vectors = data.map((d) => normalized(d.embedding as number[]));
    if (vectors.some((v) => v.length !== this.dimensions)) {
      throw new ProviderError('upstream', `openai embeddings answered ${vectors[0]?.length} dimensions, configured ${this.dimensions}`, { provider: 'openai', retryable: false });
    }
    return { vectors, tokens: body.usage?.prompt_tokens ?? 0 };
  }
}

/** The contract promises unit vectors (cosine = dot); OpenAI's are, other compatible servers' may not be. */
function normalized(vector: number[]): number[] {
  const norm = Math.hypot(...vector) || 1;
  return vector.map((x) => x / norm);
}
