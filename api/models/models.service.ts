import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { configuredProviderNames } from '../../shared/llm/provider.factory';
import { AppConfig } from '../../shared/config/app-config';
import { Permission } from '../../shared/domain/roles';
import { findModel, MODELS, ModelInfo, NoProviderForModelError, ProviderName, providerChain, UnknownModelError } from '../../shared/domain/model-registry';
import { User } from '../../shared/persistence/entities';
import { hasPermission, Principal } from '../common/auth/principal';
import { ProblemException, Problems } from '../common/problem/problem.exception';
import type { CompareModelsQuery, ModelComparisonDto, ModelDto, ModelListDto, ModelUsageDto, ModelUsageQuery } from './dto/model.dto';
import { ModelUsageRepository, UsageTotals } from './model-usage.repository';

/** 2025-01-01T00:00:00Z: the catalogue's `created` (the registry keeps no per-model date). */
const CATALOGUE_CREATED = 1_735_689_600;
const MAX_COMPARED = 10;

/** The model catalogue (OpenAI `/models` shape plus ours) and each user's usage of a model. */
@Injectable()
export class ModelsService {
  private readonly configured: ReadonlySet<ProviderName>;

  constructor(
    config: AppConfig,
    private readonly em: EntityManager,
    private readonly usageRepo: ModelUsageRepository,
  ) {
    this.configured = configuredProviderNames(config);
  }

  list(all = false): ModelListDto {
    const models = all ? MODELS : MODELS.filter((m) => this.configured.has(m.provider));
    return { object: 'list', data: models.map((m) => this.toDto(m)) };
  }

  get(id: string): ModelDto {
    return this.toDto(this.known(id));
  }

  /**
   * `GET /models/<id>` and `GET /models/<id>/usage` share one wildcard route (ids contain slashes).
   * A trailing `/usage` always means usage: no catalogue id ends with it.
   */
  byPath(principal: Principal, path: string, query: ModelUsageQuery): ModelDto | Promise<ModelUsageDto> {
    if (path.endsWith('/usage')) return this.usage(principal, path.slice(0, -'/usage'.length), query);
    return this.get(path);
  }

  async usage(principal: Principal, id: string, query: ModelUsageQuery): Promise<ModelUsageDto> {
    const model = this.known(id);
    const userId = await this.usageOwner(principal, query);
    const totals = await this.usageRepo.totals({ userId, models: [model.id], from: query.from, to: query.to });
    return usageDto(model.id, userId, query, totals.get(model.id)!);
  }

  async compare(principal: Principal, query: CompareModelsQuery): Promise<ModelComparisonDto> {
    const ids = [...new Set(query.ids.split(',').map((s) => s.trim()))];
    if (ids.length < 2 || ids.length > MAX_COMPARED) {
      throw Problems.validation([{ field: 'ids', message: `ids must list 2 to ${MAX_COMPARED} distinct model ids` }]);
    }
    const unknown = ids.filter((id) => !findModel(id));
    if (unknown.length) throw Problems.validation([{ field: 'ids', message: `unknown model(s): ${unknown.join(', ')}` }]);
    const userId = await this.usageOwner(principal, query);
    const totals = await this.usageRepo.totals({ userId, models: ids, from: query.from, to: query.to });
    return {
      object: 'list',
      data: ids.map((id) => ({ ...this.toDto(findModel(id)!), usage: usageDto(id, userId, query, totals.get(id)!) })),
    };
  }

  /** The registry id a chat request may use, or a 400 naming the problem (used by the OpenAI-compatible API). */
  resolve(id: string): string {
    try {
      providerChain(id, this.configured);
      return id;
    } catch (err) {
      if (err instanceof UnknownModelError || err instanceof NoProviderForModelError) {
        throw new ProblemException(400, 'Unknown model', `${err.message}; GET /api/v3/models lists the models available`, {
          errors: [{ field: 'model', message: err.message }],
          error: { message: `The model \`${id}\` does not exist or is not available here; GET /api/v3/models lists the models available`, type: 'invalid_request_error', param: 'model', code: 'model_not_found' },
        });
      }
      throw err;
    }
  }

  private known(id: string): ModelInfo {
    const model = findModel(id);
    if (!model) throw Problems.notFound(`Model ${id}`);
    return model;
  }

  /** Whose usage: the caller's, or (with users:read) the given user's. */
  private async usageOwner(principal: Principal, query: ModelUsageQuery): Promise<string> {
    if (query.from && query.to && query.from >= query.to) {
      throw Problems.validation([{ field: 'to', message: 'to must be after from' }]);
    }
    if (!query.userId || query.userId === principal.userId) return principal.userId;
    if (!hasPermission(principal, Permission.UsersRead)) throw Problems.forbidden('Only administrators may read another user\'s usage');
    if (!(await this.em.count(User, { id: query.userId }))) throw Problems.notFound('User');
    return query.userId;
  }

  private toDto(m: ModelInfo): ModelDto {
    return {
      id: m.id,
      object: 'model',
      created: CATALOGUE_CREATED,
      owned_by: m.provider,
      provider: m.provider,
      contextTokens: m.contextTokens,
      inputPricePerMTok: m.inputPricePerMTok,
      outputPricePerMTok: m.outputPricePerMTok,
      fallbacks: m.fallbacks,
      available: this.configured.has(m.provider),
    };
  }
}

function usageDto(model: string, userId: string, query: ModelUsageQuery, t: UsageTotals): ModelUsageDto {
  return {
    model,
    userId,
    from: query.from?.toISOString() ?? null,
    to: query.to?.toISOString() ?? null,
    turns: t.turns,
    inputTokens: t.inputTokens,
    outputTokens: t.outputTokens,
    totalTokens: t.inputTokens + t.outputTokens,
    costUsd: t.costUsd,
  };
}
