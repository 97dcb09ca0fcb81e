import type { AppConfig } from '../config/app-config';
import { ElasticsearchVectorStore } from './elasticsearch-vector-store';
import { QdrantVectorStore } from './qdrant-vector-store';
import type { VectorStore } from './vector-store';

export type VectorStoreConfig = Pick<AppConfig, 'QDRANT_URL' | 'QDRANT_API_KEY' | 'ELASTICSEARCH_URL'>;

/** Qdrant when QDRANT_URL is set, else Elasticsearch's dense_vector (the embedded default `./dev` starts). */
export function createVectorStore(config: VectorStoreConfig): VectorStore {
  if (config.QDRANT_URL) return new QdrantVectorStore({ url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY });
  if (config.ELASTICSEARCH_URL) return new ElasticsearchVectorStore({ url: config.ELASTICSEARCH_URL });
  throw new Error('no vector store configured: set ELASTICSEARCH_URL (./dev does) or QDRANT_URL');
}
