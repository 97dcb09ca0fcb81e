import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { configuredProviderNames } from '../../shared/llm/provider.factory';
import { BudgetScopeRef, BudgetState, claimAlerts, periodEnd, reserveBudgets } from '../../shared/billing/budget-ledger';
import { AppConfig } from '../../shared/config/app-config';
import { ProviderName, providerChain } from '../../shared/domain/model-registry';
import { BudgetScope } from '../../shared/persistence/entities';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../common/auth/principal';
import { ProblemException } from '../common/problem/problem.exception';
import { BUDGET_ALERT_SINKS, BudgetAlertSink } from './budget-alerts';
import { maxTurnCostUsd } from './turn-cost';

export interface TurnToReserve {
  turnId: string;
  model: string;
  maxTokens?: number;
  conversationId: string;
  /** The system prompt, when the conversation has one (it counts as input). */
  systemPrompt?: string | null;
}

/** Budget enforcement for chat turns: the turn's maximum cost is held before its workflow starts. */
@Injectable()
export class BudgetService {
  private readonly log = new Logger(BudgetService.name);
  private readonly configured: ReadonlySet<ProviderName>;

  constructor(
    private readonly config: AppConfig,
    @Inject(BUDGET_ALERT_SINKS) private readonly sinks: BudgetAlertSink[],
    private readonly audit: AuditService,
  ) {
    this.configured = configuredProviderNames(config);
  }

  /**
   * Stores the new turn (`store`: its rows, through `em`) and reserves its maximum cost in one
   * transaction: a refused turn leaves nothing behind and answers 402 before any workflow starts.
   */
  async storeReserving(em: EntityManager, principal: Principal, turn: TurnToReserve, store: () => Promise<void>): Promise<void> {
    await em.begin();
    let refused: { state: BudgetState; problem: ProblemException; scope: BudgetScopeRef; remainingUsd: string; requiredUsd: string } | undefined;
    let holds: BudgetState[] = [];
    try {
      await store();
      // The caller's teams and whether any budget applies, in one round trip: when none does (the
      // common case) nothing else is read.
      const own = budgetScopesOf(principal);
      const [{ team_ids: teamIds, n }] = await em.execute<{ team_ids: string[] | null; n: string }[]>(
        `with teams as (select team_id from team_members where user_id = ?)
         select (select array_agg(team_id::text) from teams) as team_ids,
                (select count(*) from budgets where ${own.map(() => '(scope_type = ? and scope_id = ?)').join(' or ')}
                   or (scope_type = ? and scope_id in (select team_id from teams))) as n`,
        [principal.userId, ...own.flatMap((s) => [s.type, s.id]), BudgetScope.Team],
      );
      const scopes = budgetScopesOf(principal, teamIds ?? []);
      const amount = Number(n) > 0 ? await this.maxCost(em, turn) : '0.00000000';
      if (amount !== '0.00000000') {
        const outcome = await reserveBudgets(em, turn.turnId, scopes, amount);
        if (outcome.ok) holds = outcome.holds;
        else refused = { state: outcome.refused, problem: budgetExceeded(outcome.refused, outcome.remainingUsd, amount), scope: outcome.scope, remainingUsd: outcome.remainingUsd, requiredUsd: amount };
      }
      if (refused) await em.rollback();
      else await em.commit();
    } catch (err) {
      await em.rollback().catch(() => undefined);
      throw err;
    }
    if (refused) {
      em.clear();
      const { state, scope, remainingUsd, requiredUsd } = refused;
      this.audit.record({
        actor: principal,
        action: 'budget.refused',
        resource: { type: 'budget', id: state.budgetId },
        outcome: 'denied',
        context: { scope: { ...scope }, window: state.window, limitUsd: state.limitUsd, remainingUsd, requiredUsd, model: turn.model, conversationId: turn.conversationId },
      });
      void this.alert(em, principal, [state]);
      throw refused.problem;
    }
    if (holds.length) void this.alert(em, principal, holds);
  }

  /** Claims and delivers newly reached thresholds; never fails the turn. */
  private async alert(em: EntityManager, principal: Principal, states: BudgetState[]): Promise<void> {
    try {
      const fork = em.fork();
      for (const state of states) {
        const thresholds = await claimAlerts(fork, state);
        if (!thresholds.length) continue;
        const [b] = await fork.execute<{ scope_type: string; scope_id: string }[]>('select scope_type, scope_id from budgets where id = ?', [state.budgetId]);
        for (const threshold of thresholds) {
          for (const sink of this.sinks) {
            await sink.deliver({ budgetId: state.budgetId, userId: principal.userId, scopeType: b?.scope_type, scopeId: b?.scope_id, threshold, state });
          }
        }
      }
    } catch (err) {
      this.log.error({ err }, 'budget alert delivery failed');
    }
  }

  private async maxCost(em: EntityManager, turn: TurnToReserve): Promise<string> {
    const [{ chars }] = await em.execute<{ chars: string }[]>('select coalesce(sum(length(content)), 0) as chars from messages where conversation_id = ? and deleted_at is null', [
      turn.conversationId,
    ]);
    const inputChars = Number(chars) + (turn.systemPrompt?.length ?? 0);
    return maxTurnCostUsd(providerChain(turn.model, this.configured), turn.maxTokens ?? this.config.CHAT_DEFAULT_MAX_TOKENS, inputChars);
  }
}

/** The budgets a caller's spend counts against: their own, the API key's, and each of their teams'. */
export function budgetScopesOf(principal: Principal, teamIds: readonly string[] = []): BudgetScopeRef[] {
  const scopes: BudgetScopeRef[] = [{ type: BudgetScope.User, id: principal.userId }];
  if (principal.apiKeyId) scopes.push({ type: BudgetScope.ApiKey, id: principal.apiKeyId });
  for (const id of teamIds) scopes.push({ type: BudgetScope.Team, id });
  return scopes;
}

function budgetExceeded(s: BudgetState, remainingUsd: string, requiredUsd: string): ProblemException {
  return new ProblemException(
    HttpStatus.PAYMENT_REQUIRED,
    'Budget exceeded',
    `This turn may cost up to $${requiredUsd}; the ${s.window} budget has $${remainingUsd} of $${s.limitUsd} left until ${periodEnd(s.window, s.periodStart).toISOString()}`,
    {
      budgetId: s.budgetId,
      window: s.window,
      limitUsd: s.limitUsd,
      spentUsd: s.spentUsd,
      reservedUsd: s.reservedUsd,
      remainingUsd,
      requiredUsd,
      periodStart: s.periodStart.toISOString(),
      resetsAt: periodEnd(s.window, s.periodStart).toISOString(),
    },
  );
}
