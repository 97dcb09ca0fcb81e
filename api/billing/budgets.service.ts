import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { periodEnd, periodStart, remainingOf } from '../../shared/billing/budget-ledger';
import { usd } from '../../shared/billing/usd';
import { ApiKey, Budget, BudgetPeriod, BudgetScope, Team, User } from '../../shared/persistence/entities';
import type { Principal } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';
import type { BudgetDto, SetBudgetDto } from './dto/billing.dto';

/** Budgets: admins set them on any user or API key; everyone sees the ones that apply to them. */
@Injectable()
export class BudgetsService {
  constructor(private readonly em: EntityManager) {}

  /** Creates the budget, or changes the limit of the one for this scope and window. */
  async set(dto: SetBudgetDto): Promise<BudgetDto> {
    const exists =
      dto.scopeType === BudgetScope.User
        ? await this.em.count(User, { id: dto.scopeId, deletedAt: null })
        : dto.scopeType === BudgetScope.Team
          ? await this.em.count(Team, { id: dto.scopeId })
          : await this.em.count(ApiKey, { id: dto.scopeId, revokedAt: null });
    if (!exists) throw Problems.notFound({ [BudgetScope.User]: 'User', [BudgetScope.ApiKey]: 'API key', [BudgetScope.Team]: 'Team' }[dto.scopeType]);
    await this.em.execute(
      `insert into budgets (id, scope_type, scope_id, "window", limit_usd, created_at, updated_at)
       values (gen_random_uuid(), ?, ?, ?, ?::numeric, now(), now())
       on conflict (scope_type, scope_id, "window") do update set limit_usd = excluded.limit_usd, updated_at = now()`,
      [dto.scopeType, dto.scopeId, dto.window, dto.limitUsd],
    );
    const budget = await this.em.findOneOrFail(Budget, { scopeType: dto.scopeType, scopeId: dto.scopeId, window: dto.window }, { refresh: true });
    return this.view(budget);
  }

  /** The caller's budgets: on themselves, on their API keys and on their teams. */
  async mine(principal: Principal): Promise<BudgetDto[]> {
    const keys = await this.em.find(ApiKey, { user: principal.userId }, { fields: ['id'] });
    const teams = await this.em.execute<{ team_id: string }[]>('select team_id from team_members where user_id = ?', [principal.userId]);
    const budgets = await this.em.find(
      Budget,
      {
        $or: [
          { scopeType: BudgetScope.User, scopeId: principal.userId },
          { scopeType: BudgetScope.ApiKey, scopeId: { $in: keys.map((k) => k.id) } },
          { scopeType: BudgetScope.Team, scopeId: { $in: teams.map((t) => t.team_id) } },
        ],
      },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    return Promise.all(budgets.map((b) => this.view(b)));
  }

  async remove(id: string): Promise<void> {
    const deleted = await this.em.nativeDelete(Budget, { id });
    if (!deleted) throw Problems.notFound('Budget');
  }

  private async view(b: Budget): Promise<BudgetDto> {
    const start = periodStart(b.window, new Date());
    const period = await this.em.findOne(BudgetPeriod, { budget: b.id, periodStart: start }, { refresh: true });
    const state = { limitUsd: usd(b.limitUsd), spentUsd: usd(period?.spentUsd ?? '0'), reservedUsd: usd(period?.reservedUsd ?? '0') };
    return {
      id: b.id,
      scopeType: b.scopeType,
      scopeId: b.scopeId,
      window: b.window,
      ...state,
      periodStart: start.toISOString(),
      resetsAt: periodEnd(b.window, start).toISOString(),
      remainingUsd: remainingOf(state),
    };
  }
}
