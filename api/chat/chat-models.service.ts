import { Injectable } from '@nestjs/common';
import { configuredProviderNames } from '../../shared/llm/provider.factory';
import { AppConfig } from '../../shared/config/app-config';
import { defaultModelId, NoProviderForModelError, ProviderName, providerChain, UnknownModelError } from '../../shared/domain/model-registry';
import { Problems } from '../common/problem/problem.exception';

/** Which model a turn uses (validated against the registry and the configured providers). */
@Injectable()
export class ChatModels {
  readonly configured: ReadonlySet<ProviderName>;

  constructor(private readonly config: AppConfig) {
    this.configured = configuredProviderNames(config);
  }

  get streamRetentionSeconds(): number {
    return this.config.CHAT_STREAM_RETENTION_SECONDS;
  }

  get maxToolSteps(): number {
    return this.config.CHAT_MAX_TOOL_STEPS;
  }

  /** The model a turn tries first (the head of its fallback chain over the configured providers). */
  chainHead(model: string) {
    try {
      return providerChain(model, this.configured)[0];
    } catch {
      return undefined;
    }
  }

  resolve(requested?: string): string {
    if (!requested) return defaultModelId(this.configured);
    try {
      providerChain(requested, this.configured);
      return requested;
    } catch (err) {
      if (err instanceof UnknownModelError || err instanceof NoProviderForModelError) {
        throw Problems.badRequest(`${err.message}; GET /api/v3/models lists the models available`, [{ field: 'model', message: err.message }]);
      }
      throw err;
    }
  }
}
