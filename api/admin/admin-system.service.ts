import { monitorEventLoopDelay } from 'node:perf_hooks';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { temporal } from '@temporalio/proto';
import Redis from 'ioredis';
import { AppConfig } from '../../shared/config/app-config';
import { GovernanceBus } from '../../shared/governance/governance-bus';
import { SystemConfigVersion } from '../../shared/persistence/entities';
import { InjectRedis } from '../../shared/redis/redis.module';
import { TemporalClient } from '../../temporal/temporal-client.module';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';
import { HealthService } from '../monitoring/health.service';
import type { MaintenanceDto, PatchConfigDto } from './dto/system.dto';
import { MaintenanceService } from './maintenance.service';
import { RuntimeSettings, TunableSettings } from './runtime-settings.service';
import { definedFields } from '../common/dto/defined-fields';

const SECRET_KEY = /SECRET|PASSWORD|TOKEN|_KEY$|API_KEY/i;
const ms = (ns: number) => Math.round(ns / 1e4) / 100;

/** Secrets become "[redacted]"; URLs keep everything but their credentials; OIDC client secrets go too. */
export function redactConfig(config: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (typeof value === 'function') continue;
    if (SECRET_KEY.test(key)) out[key] = value === undefined || value === '' ? value : '[redacted]';
    else if (key === 'OIDC_PROVIDERS' && typeof value === 'string') {
      try {
        out[key] = (JSON.parse(value) as Record<string, unknown>[]).map((p) => ({ ...p, clientSecret: '[redacted]' }));
      } catch {
        out[key] = '[redacted]';
      }
    } else if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(value)) out[key] = value.replace(/\/\/[^/@]*@/, '//[redacted]@');
    else out[key] = value;
  }
  return out;
}

/** /admin/system: health, cheap process and queue figures, settings, maintenance mode, cache flush. */
@Injectable()
export class AdminSystemService implements OnModuleInit, OnModuleDestroy {
  private loop?: ReturnType<typeof monitorEventLoopDelay>;

  constructor(
    private readonly em: EntityManager,
    private readonly health: HealthService,
    private readonly temporal: TemporalClient,
    private readonly config: AppConfig,
    private readonly settings: RuntimeSettings,
    private readonly maintenance: MaintenanceService,
    private readonly bus: GovernanceBus,
    private readonly audit: AuditService,
    @InjectRedis() private readonly redis: Redis,
  ) {}

  onModuleInit() {
    this.loop = monitorEventLoopDelay({ resolution: 20 });
    this.loop.enable();
  }

  onModuleDestroy() {
    this.loop?.disable();
  }

  healthReport() {
    return this.health.overall();
  }

  async metrics() {
    const mem = process.memoryUsage();
    const loop = this.loop!;
    const figures = {
      process: { pid: process.pid, uptimeSeconds: Math.round(process.uptime()), nodeVersion: process.version },
      memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, heapTotalBytes: mem.heapTotal, externalBytes: mem.external },
      eventLoopLagMs: { mean: ms(loop.mean), p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
      taskQueues: await Promise.all((['interactive', 'background'] as const).map((family) => this.queueFigures(this.temporal.queue(family)))),
      maintenance: this.maintenance.current.enabled,
      configVersion: this.settings.version,
    };
    loop.reset();
    return figures;
  }

  effectiveConfig() {
    return { environment: redactConfig(this.config), runtime: this.settings.snapshot, maintenance: this.maintenance.current };
  }

  /** Stores a new version (never edits one), then every process reloads it through the bus. */
  async patchConfig(actor: Principal, dto: PatchConfigDto) {
    // Only what the body names: the DTO carries omitted fields as undefined.
    const { expectedVersion, ...changes } = definedFields(dto);
    const before = this.settings.snapshot;
    const latest = await this.em.findOne(SystemConfigVersion, { version: { $gte: 0 } }, { orderBy: { version: 'desc' } });
    const current = latest?.version ?? 0;
    if (expectedVersion !== undefined && expectedVersion !== current) throw Problems.conflict(`The settings are at version ${current}, not ${expectedVersion}; reload and retry`);
    const settings: TunableSettings = { ...before.settings, ...(latest?.settings as Partial<TunableSettings>), ...changes };
    this.em.create(SystemConfigVersion, { version: current + 1, settings: { ...settings }, changedBy: actor.userId });
    try {
      await this.em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw Problems.conflict('Another change to the settings landed at the same time; reload and retry');
      throw err;
    }
    await this.bus.publish('config');
    this.audit.record({ actor, action: 'system.config_changed', resource: { type: 'system-config', id: String(current + 1) }, before: { ...before.settings }, after: { ...settings } });
    return this.settings.snapshot;
  }

  async setMaintenance(actor: Principal, dto: MaintenanceDto) {
    const state = await this.maintenance.set(dto.enabled, dto.message ?? '', dto.retryAfterSeconds ?? 300);
    this.audit.record({ actor, action: dto.enabled ? 'system.maintenance_on' : 'system.maintenance_off', resource: { type: 'system' }, after: { ...state } });
    return state;
  }

  /** Drops every process's in-memory caches (roles, teams, policies, settings) and the cached tool results. */
  async clearCaches(actor: Principal) {
    await this.bus.publish('caches');
    let toolResults = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', 'tool-cache:*', 'COUNT', 500);
      cursor = next;
      if (keys.length) toolResults += await this.redis.del(...keys);
    } while (cursor !== '0');
    this.audit.record({ actor, action: 'system.caches_cleared', resource: { type: 'system' }, after: { toolResults } });
    return { cleared: ['roles', 'teams', 'policies', 'settings', 'tool-results'], toolResultKeys: toolResults };
  }

  private async queueFigures(name: string) {
    const figures = async (taskQueueType: temporal.api.enums.v1.TaskQueueType) => {
      const res = await this.temporal.connection.workflowService.describeTaskQueue({
        namespace: this.config.TEMPORAL_NAMESPACE,
        taskQueue: { name },
        taskQueueType,
        includeTaskQueueStatus: true,
      });
      return { pollers: res.pollers?.length ?? 0, backlog: Number(res.taskQueueStatus?.backlogCountHint ?? 0) };
    };
    try {
      const [workflow, activity] = await Promise.all([figures(temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW), figures(temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)]);
      return { name, workflow, activity };
    } catch (err) {
      return { name, error: (err as Error).message };
    }
  }
}
