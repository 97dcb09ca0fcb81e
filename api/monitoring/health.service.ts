import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import Redis from 'ioredis';
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

  /** The configured LLM providers (not part of the overall status: a gateway with one provider down still serves). */
  providers(): Promise<ComponentHealthDto[]> {
    return this.providerHealth.check();
  }

  async overall(): Promise<HealthReportDto> {
    const components = await Promise.all([this.database(), this.cache(), this.temporalServer()]);
    return report(components);
  }
}

export function report(components: ComponentHealthDto[]): HealthReportDto {
  const status = components.every((c) => c.status === 'up') ? 'ok' : 'degraded';
  return { status, checkedAt: new Date().toISOString(), components };
}
