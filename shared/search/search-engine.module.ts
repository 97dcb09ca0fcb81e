import type { Client } from '@elastic/elasticsearch';
import { EntityManager } from '@mikro-orm/postgresql';
import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { createElasticsearchClient } from './elasticsearch';
import { ElasticsearchSearchEngine } from './elasticsearch-search.engine';
import { PostgresSearchEngine } from './postgres-search.engine';
import type { SearchEngine } from './search-engine';

export const ELASTICSEARCH = Symbol('ELASTICSEARCH');
export const SEARCH_ENGINE = Symbol('SEARCH_ENGINE');
export const InjectElasticsearch = () => Inject(ELASTICSEARCH);
export const InjectSearchEngine = () => Inject(SEARCH_ENGINE);

@Injectable()
class ElasticsearchShutdown implements OnApplicationShutdown {
  constructor(@InjectElasticsearch() private readonly es: Client | null) {}
  async onApplicationShutdown() {
    await this.es?.close().catch(() => undefined);
  }
}

/** The Elasticsearch client (null when SEARCH_ENGINE=postgres) and the engine the search routes use. */
@Global()
@Module({
  providers: [
    {
      provide: ELASTICSEARCH,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => (config.SEARCH_ENGINE === 'elasticsearch' ? createElasticsearchClient(config.ELASTICSEARCH_URL) : null),
    },
    {
      provide: SEARCH_ENGINE,
      inject: [AppConfig, ELASTICSEARCH, EntityManager],
      useFactory: (config: AppConfig, es: Client | null, em: EntityManager): SearchEngine =>
        es ? new ElasticsearchSearchEngine(es, config.SEARCH_INDEX_PREFIX) : new PostgresSearchEngine(() => em.fork()),
    },
    ElasticsearchShutdown,
  ],
  exports: [ELASTICSEARCH, SEARCH_ENGINE],
})
export class SearchEngineModule {}
