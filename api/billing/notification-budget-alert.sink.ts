import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { BudgetScope } from '../../shared/persistence/entities';
import { NotificationsService } from '../notifications/notifications.service';
import type { BudgetAlertEvent, BudgetAlertSink } from './budget-alerts';

/** A crossed threshold as an in-app 'billing' notification to the budget's owner (the key's owner for an API-key budget). */
@Injectable()
export class NotificationBudgetAlertSink implements BudgetAlertSink {
  constructor(
    private readonly em: EntityManager,
    private readonly notifications: NotificationsService,
  ) {}

  async deliver(e: BudgetAlertEvent): Promise<void> {
    const owner = await this.ownerOf(e);
    if (!owner) return;
    const s = e.state;
    await this.notifications.notify(owner, {
      category: 'billing',
      title: `Budget ${e.threshold}% used`,
      body: `Your ${s.window} budget has used ${e.threshold}% or more of $${s.limitUsd} (spent $${s.spentUsd}, held $${s.reservedUsd}).`,
      link: '/billing/budgets',
      data: { budgetId: e.budgetId, scopeType: e.scopeType, scopeId: e.scopeId, threshold: e.threshold, window: s.window, periodStart: s.periodStart.toISOString(), limitUsd: s.limitUsd, spentUsd: s.spentUsd, reservedUsd: s.reservedUsd },
    });
  }

  /** The scope decides who is told, not whoever's turn crossed the line. */
  private async ownerOf(e: BudgetAlertEvent): Promise<string | undefined> {
    if (e.scopeType === BudgetScope.User) return e.scopeId;
    if (e.scopeType === BudgetScope.ApiKey) {
      const [key] = await this.em.fork().execute<{ user_id: string }[]>('select user_id from api_keys where id = ?', [e.scopeId]);
      return key?.user_id;
    }
    return e.userId;
  }
}
