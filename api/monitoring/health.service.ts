import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { Client as Elasticsearch } from '@elastic/elasticsearch';
import Redis from 'ioredis';
import { InjectElasticsearch } from '../search/search-engine.module';
import { InjectRedis } from '../../shared/redis/redis.module';
import { TemporalClient } from '../../temporal/temporal-client.module';
import { ComponentHealthDto, HealthReportDto } from './dto/health.dto';
import { ProviderHealthService } from './provider-health.service';

const CHECK_TIMEOUT_MS = 2000;

async function timed(name: string, check: () => Promise<unknown>): Promise<ComponentHealthDto> {
  const started = performance.now();
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS).unref()),
    ]);
    return { name, status: 'up', latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  } catch (err) {
    return { name, status: 'down', latencyMs: Math.round(performance.now() - started), error: (err as Error).message };
  }
}

@Injectable()
export class HealthService {
  constructor(
    private readonly em: EntityManager,
    @InjectRedis() private readonly redis: Redis,
    private readonly temporal: TemporalClient,
    private readonly providerHealth: ProviderHealthService,
    @InjectElasticsearch() private readonly es: Elasticsearch | null,
  ) {}

  database() {
    return timed('postgres', () => this.em.getConnection().execute('select 1'));
  }

  cache() {
    return timed('redis', () => this.redis.ping());
  }

  temporalServer() {
    return timed('temporal', () => this.temporal.connection.workflowService.getSystemInfo({}));
  }

  /** Elasticsearch when it is the search engine (null with SEARCH_ENGINE=postgres: Postgres serves search). */
  searchEngine(): Promise<ComponentHealthDto> | null {
    const es = this.es;
    if (!es) return null;
    return timed('elasticsearch', async () => {
      const health = await es.cluster.health({ timeout: '1s' }, { requestTimeout: 2000, maxRetries: 0 });
      if (health.status === 'red') throw new Error('cluster status red');
    });
  }

  /** The configured LLM providers (not part of the overall status: a gateway with one provider down still serves). */
  providers(): Promise<ComponentHealthDto[]> {
    return this.providerHealth.check();
  }

  async overall(): Promise<HealthReportDto> {
    const search = this.searchEngine();
    const components = await Promise.all([this.database(), this.cache(), this.temporalServer(), ...(search ? [search] : [])]);
    return report(components);
  }
}

export function report(components: ComponentHealthDto[]): HealthReportDto {
  const status = components.every((c) => c.status === 'up') ? 'ok' : 'degraded';
  return { status, checkedAt: new Date().toISOString(), components };
}
