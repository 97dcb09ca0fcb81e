import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { BudgetScope } from '../../shared/persistence/entities';
import { WebhooksService } from '../webhooks/webhooks.service';
import type { BudgetAlertEvent, BudgetAlertSink } from './budget-alerts';

/** A crossed threshold as a `budget.threshold_crossed` outbound webhook to the budget owner's subscribed, active endpoints. */
@Injectable()
export class WebhookBudgetAlertSink implements BudgetAlertSink {
  constructor(
    private readonly em: EntityManager,
    private readonly webhooks: WebhooksService,
  ) {}

  async deliver(e: BudgetAlertEvent): Promise<void> {
    const owner = await this.ownerOf(e);
    if (!owner) return;
    const s = e.state;
    await this.webhooks.emit(owner, 'budget.threshold_crossed', {
      budgetId: e.budgetId,
      scopeType: e.scopeType,
      scopeId: e.scopeId,
      threshold: e.threshold,
      window: s.window,
      periodStart: s.periodStart.toISOString(),
      limitUsd: s.limitUsd,
      spentUsd: s.spentUsd,
      reservedUsd: s.reservedUsd,
    });
  }

  /** The same owner as the in-app alert: the scope decides, not whoever's turn crossed the line. */
  private async ownerOf(e: BudgetAlertEvent): Promise<string | undefined> {
    if (e.scopeType === BudgetScope.User) return e.scopeId;
    if (e.scopeType === BudgetScope.ApiKey) {
      const [key] = await this.em.fork().execute<{ user_id: string }[]>('select user_id from api_keys where id = ?', [e.scopeId]);
      return key?.user_id;
    }
    return e.userId;
  }
}
