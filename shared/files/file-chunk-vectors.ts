import { createEmbedder } from '../embeddings/embedder.factory';
import { createVectorStore } from '../vectors/vector-store.factory';
import type { SemanticIndex } from './chunk-retrieval';

/**
 * The embedder and vector store of file chunks, when a vector engine is configured (Elasticsearch, which
 * ./dev starts, or Qdrant); none with SEARCH_ENGINE=postgres, where chat over files retrieves lexically only.
 * Nothing loads until first used.
 */
export function fileChunkSemanticIndex(config: Parameters<typeof createEmbedder>[0] & Parameters<typeof createVectorStore>[0]): SemanticIndex | undefined {
  if (!config.QDRANT_URL && !config.ELASTICSEARCH_URL) return undefined;
  return { embedder: createEmbedder(config), vectors: createVectorStore(config) };
}

