import type Redis from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { CachedEmbedder } from './cached-embedder';
import type { Embedder } from './embedder';
import { LocalEmbedder } from './local-embedder';
import { OpenAiEmbedder } from './openai-embedder';

export type EmbedderConfig = Pick<
  AppConfig,
  'EMBEDDING_PROVIDER' | 'EMBEDDING_MODEL_PATH' | 'EMBEDDING_THREADS' | 'EMBEDDING_OPENAI_MODEL' | 'EMBEDDING_OPENAI_DIMENSIONS' | 'OPENAI_COMPATIBLE_BASE_URL' | 'OPENAI_API_KEY'
>;

/**
 * The process's Embedder: the local ONNX model unless EMBEDDING_PROVIDER=openai, which needs the OpenAI-compatible
 * provider configured (its base URL, or an OpenAI key). Asking for it without one is a configuration error, not a silent fallback:
 * vectors of two models must never be mixed in one collection.
 */
export function createEmbedder(config: EmbedderConfig): Embedder {
  if (config.EMBEDDING_PROVIDER === 'openai') {
    if (!config.OPENAI_COMPATIBLE_BASE_URL && !config.OPENAI_API_KEY) {
      throw new Error('EMBEDDING_PROVIDER=openai needs OPENAI_COMPATIBLE_BASE_URL or OPENAI_API_KEY');
    }
    return new OpenAiEmbedder({
      baseUrl: config.OPENAI_COMPATIBLE_BASE_URL ?? 'https://api.openai.com/v1',
      apiKey: config.OPENAI_API_KEY,
      model: config.EMBEDDING_OPENAI_MODEL,
      dimensions: config.EMBEDDING_OPENAI_DIMENSIONS,
    });
  }
  return new LocalEmbedder({ modelPath: config.EMBEDDING_MODEL_PATH, threads: config.EMBEDDING_THREADS });
}

/** The configured embedder behind the Redis cache (unless EMBEDDING_CACHE_TTL_SECONDS=0): what the API and the workers use. */
export function createCachedEmbedder(config: EmbedderConfig & Pick<AppConfig, 'EMBEDDING_CACHE_TTL_SECONDS'>, redis: Redis, onCacheError?: (err: unknown) => void): Embedder {
  const embedder = createEmbedder(config);
  if (config.EMBEDDING_CACHE_TTL_SECONDS === 0) return embedder;
  return new CachedEmbedder(embedder, redis, { ttlSeconds: config.EMBEDDING_CACHE_TTL_SECONDS, onError: onCacheError });
}
