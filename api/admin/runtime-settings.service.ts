import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { GovernanceBus } from '../../shared/governance/governance-bus';
import { SystemConfigVersion } from '../../shared/persistence/entities';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The runtime-tunable settings (PATCH /admin/system/config); everything else is environment, fixed at boot. */
export interface TunableSettings {
  /** pino level of this API process. */
  logLevel: (typeof LOG_LEVELS)[number] | null;
  /** Lifetime of an impersonation token. */
  impersonationTtlMinutes: number;
  /** Rows accepted by one bulk import. */
  bulkImportMaxRows: number;
  /** Shown to clients by GET /admin/system/config (and useful for a banner). */
  announcement: string | null;
  /**
   * Plain chat turns (no tools, hosted provider) have their first provider call made by the API
   * process that accepted them, the workflow adopting the result (lowest time to first token);
   * off: the turn's activity makes every provider call.
   */
  chatStreamFromApi: boolean;
}

export const DEFAULT_SETTINGS: TunableSettings = { logLevel: null, impersonationTtlMinutes: 15, bulkImportMaxRows: 1000, announcement: null, chatStreamFromApi: true };

/**
 * The settings in force in this process: the highest stored version, reloaded when the bus says
 * another process stored a new one. Reads are a field access (no I/O on the request path).
 */
@Injectable()
export class RuntimeSettings implements OnModuleInit {
  private readonly log = new Logger(RuntimeSettings.name);
  /** The level set at boot (LOG_LEVEL): what `logLevel: null` goes back to. */
  private bootLogLevel: string | undefined;
  private state: { version: number; settings: TunableSettings; updatedAt: string | null } = { version: 0, settings: DEFAULT_SETTINGS, updatedAt: null };

  constructor(
    private readonly em: EntityManager,
    bus: GovernanceBus,
  ) {
    bus.on('config', () => this.reload());
    bus.on('caches', () => this.reload());
  }

  async onModuleInit() {
    this.bootLogLevel = (PinoLogger.root as { level?: string } | undefined)?.level;
    await this.reload();
  }

  get current(): TunableSettings {
    return this.state.settings;
  }

  get version(): number {
    return this.state.version;
  }

  get snapshot() {
    return { ...this.state, logLevelInForce: (PinoLogger.root as { level?: string } | undefined)?.level ?? null };
  }

  async reload(): Promise<void> {
    const [latest] = await this.em.fork().find(SystemConfigVersion, {}, { orderBy: { version: 'desc' }, limit: 1 });
    if (!latest || latest.version < this.state.version) return;
    const settings = { ...DEFAULT_SETTINGS, ...(latest.settings as Partial<TunableSettings>) };
    this.state = { version: latest.version, settings, updatedAt: latest.createdAt.toISOString() };
    this.apply(settings);
  }

  private apply(settings: TunableSettings) {
    const root = PinoLogger.root as { level?: string } | undefined;
    const level = settings.logLevel ?? this.bootLogLevel;
    if (level && root && root.level !== level) {
      root.level = level;
      this.log.log({ level }, 'log level changed at runtime');
    }
  }
}
