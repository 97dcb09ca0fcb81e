import type Redis from 'ioredis';
import { createCachedEmbedder } from '../embeddings/embedder.factory';
import { createVectorStore } from '../vectors/vector-store.factory';
import type { SemanticIndex } from './chunk-retrieval';

type SemanticConfig = Parameters<typeof createCachedEmbedder>[0] & Parameters<typeof createVectorStore>[0];

/**
 * The embedder and vector store of file chunks, when a vector engine is configured (Elasticsearch, which
 * ./dev starts, or Qdrant); none with SEARCH_ENGINE=postgres, where chat over files retrieves lexically only.
 * Nothing loads until first used; embeddings of repeated texts come from the Redis cache.
 */
export function fileChunkSemanticIndex(config: SemanticConfig, redis: Redis): SemanticIndex | undefined {
  if (!config.QDRANT_URL && !config.ELASTICSEARCH_URL) return undefined;
  return { embedder: createCachedEmbedder(config, redis), vectors: createVectorStore(config) };
}
