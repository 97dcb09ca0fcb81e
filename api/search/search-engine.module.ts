import type { Client } from '@elastic/elasticsearch';
import { EntityManager } from '@mikro-orm/postgresql';
import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../shared/config/app-config';
import type { Embedder } from '../../shared/embeddings/embedder';
import { createElasticsearchClient } from '../../shared/search/elasticsearch';
import { ElasticsearchSearchEngine } from '../../shared/search/elasticsearch-search.engine';
import { PostgresSearchEngine } from '../../shared/search/postgres-search.engine';
import type { SearchEngine } from '../../shared/search/search-engine';
import { ElasticsearchVectorStore } from '../../shared/vectors/elasticsearch-vector-store';
import { createVectorStore } from '../../shared/vectors/vector-store.factory';
import type { VectorStore } from '../../shared/vectors/vector-store';
import { EmbeddingsModule } from '../embeddings/embeddings.module';
import { EMBEDDER } from '../embeddings/embeddings.tokens';

export const ELASTICSEARCH = Symbol('ELASTICSEARCH');
export const SEARCH_ENGINE = Symbol('SEARCH_ENGINE');
export const VECTOR_STORE = Symbol('VECTOR_STORE');
export const InjectElasticsearch = () => Inject(ELASTICSEARCH);
export const InjectSearchEngine = () => Inject(SEARCH_ENGINE);

@Injectable()
class ElasticsearchShutdown implements OnApplicationShutdown {
  constructor(@InjectElasticsearch() private readonly es: Client | null) {}
  async onApplicationShutdown() {
    await this.es?.close().catch(() => undefined);
  }
}

/** The Elasticsearch client (null when SEARCH_ENGINE=postgres), the vector store and the engine the search routes use. */
@Global()
@Module({
  imports: [EmbeddingsModule],
  providers: [
    {
      provide: ELASTICSEARCH,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => (config.SEARCH_ENGINE === 'elasticsearch' ? createElasticsearchClient(config.ELASTICSEARCH_URL) : null),
    },
    {
      provide: VECTOR_STORE,
      inject: [AppConfig, ELASTICSEARCH],
      // Qdrant when QDRANT_URL is set; else Elasticsearch dense_vector over the search client.
      useFactory: (config: AppConfig, es: Client | null): VectorStore | null =>
        config.QDRANT_URL ? createVectorStore(config) : es ? new ElasticsearchVectorStore({ client: es }) : null,
    },
    {
      provide: SEARCH_ENGINE,
      inject: [AppConfig, ELASTICSEARCH, EntityManager, EMBEDDER, VECTOR_STORE],
      useFactory: (config: AppConfig, es: Client | null, em: EntityManager, embedder: Embedder, vectors: VectorStore | null): SearchEngine =>
        es ? new ElasticsearchSearchEngine(es, config.SEARCH_INDEX_PREFIX, vectors ? { embedder, vectors } : undefined) : new PostgresSearchEngine(() => em.fork()),
    },
    ElasticsearchShutdown,
  ],
  exports: [ELASTICSEARCH, SEARCH_ENGINE, VECTOR_STORE],
})
export class SearchEngineModule {}
