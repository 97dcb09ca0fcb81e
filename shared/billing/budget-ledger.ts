import type { EntityManager } from '@mikro-orm/postgresql';
import { BudgetScope, BudgetWindow, ReservationStatus } from '../persistence/entities/budget.entity';
import { fromUnits, toUnits, usd } from './usd';

/**
 * The budget ledger, in Postgres so it is exact and race-free across API processes.
 * A reservation adds to `reserved_usd` with a conditional UPDATE (spent + reserved + amount <= limit):
 * the row lock serialises concurrent turns and Postgres re-checks the condition on the latest row,
 * so concurrent reservations never exceed the limit and never refuse one that fits.
 */

export interface BudgetScopeRef {
  type: BudgetScope;
  id: string;
}

export interface BudgetState {
  budgetId: string;
  window: BudgetWindow;
  periodStart: Date;
  limitUsd: string;
  spentUsd: string;
  reservedUsd: string;
}

export type ReserveOutcome = { ok: true; holds: BudgetState[] } | { ok: false; refused: BudgetState; remainingUsd: string; scope: BudgetScopeRef };

export const ALERT_THRESHOLDS = [50, 80, 100] as const;

/** Start of the UTC calendar window holding `at`. */
export function periodStart(window: BudgetWindow, at: Date): Date {
  return window === BudgetWindow.Daily
    ? new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()))
    : new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

export function periodEnd(window: BudgetWindow, start: Date): Date {
  return window === BudgetWindow.Daily
    ? new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + 1))
    : new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}

export function remainingOf(s: Pick<BudgetState, 'limitUsd' | 'spentUsd' | 'reservedUsd'>): string {
  const left = toUnits(s.limitUsd) - toUnits(s.spentUsd) - toUnits(s.reservedUsd);
  return fromUnits(left > 0n ? left : 0n);
}

/** Thresholds (percent) that spent + reserved has reached. */
export function reachedThresholds(s: Pick<BudgetState, 'limitUsd' | 'spentUsd' | 'reservedUsd'>): number[] {
  const limit = toUnits(s.limitUsd);
  const used = toUnits(s.spentUsd) + toUnits(s.reservedUsd);
  return ALERT_THRESHOLDS.filter((t) => limit === 0n || used * 100n >= limit * BigInt(t));
}

interface PeriodRow {
  spent_usd: string;
  reserved_usd: string;
  limit_usd: string;
}

/**
 * Holds `amountUsd` on every budget of `scopes` for `sourceId`, all or nothing.
 * Runs in the caller's transaction; on `ok: false` the caller must roll it back.
 */
export async function reserveBudgets(em: EntityManager, sourceId: string, scopes: BudgetScopeRef[], amountUsd: string, now = new Date()): Promise<ReserveOutcome> {
  if (!scopes.length) return { ok: true, holds: [] };
  const where = scopes.map(() => '(scope_type = ? and scope_id = ?)').join(' or ');
  // Fixed lock order (by id) so two turns on the same budgets never deadlock.
  const budgets = await em.execute<{ id: string; window: BudgetWindow; scope_type: BudgetScope; scope_id: string }[]>(
    `select id, "window", scope_type, scope_id from budgets where ${where} order by id`,
    scopes.flatMap((s) => [s.type, s.id]),
  );
  const holds: BudgetState[] = [];
  for (const b of budgets) {
    const start = periodStart(b.window, now);
    await em.execute('insert into budget_periods (budget_id, period_start) values (?, ?) on conflict do nothing', [b.id, start]);
    const [row] = await em.execute<PeriodRow[]>(
      `update budget_periods p set reserved_usd = p.reserved_usd + ?::numeric
         from budgets b
        where b.id = p.budget_id and p.budget_id = ? and p.period_start = ?
          and p.spent_usd + p.reserved_usd + ?::numeric <= b.limit_usd
       returning p.spent_usd, p.reserved_usd, b.limit_usd`,
      [amountUsd, b.id, start, amountUsd],
    );
    if (!row) {
      const [cur] = await em.execute<PeriodRow[]>(
        'select p.spent_usd, p.reserved_usd, b.limit_usd from budget_periods p join budgets b on b.id = p.budget_id where p.budget_id = ? and p.period_start = ?',
        [b.id, start],
      );
      const refused = state(b.id, b.window, start, cur);
      return { ok: false, refused, remainingUsd: remainingOf(refused), scope: { type: b.scope_type, id: b.scope_id } };
    }
    await em.execute('insert into budget_reservations (id, source_id, budget_id, period_start, amount_usd, status, created_at) values (gen_random_uuid(), ?, ?, ?, ?::numeric, ?, now())', [
      sourceId,
      b.id,
      start,
      amountUsd,
      ReservationStatus.Reserved,
    ]);
    holds.push(state(b.id, b.window, start, row));
  }
  return { ok: true, holds };
}

/**
 * Turns the holds of `sourceId` into spend: `actualUsd` is charged, the rest of each hold released.
 * Exactly once: only the transition out of `reserved` applies. Returns how many holds it settled.
 */
export async function settleReservations(em: EntityManager, sourceId: string, actualUsd: string): Promise<number> {
  const status = toUnits(actualUsd) > 0n ? ReservationStatus.Committed : ReservationStatus.Refunded;
  const settled = await em.execute<{ budget_id: string; period_start: Date; amount_usd: string }[]>(
    `update budget_reservations set status = ?, actual_usd = ?::numeric, settled_at = now()
      where source_id = ? and status = ? returning budget_id, period_start, amount_usd`,
    [status, actualUsd, sourceId, ReservationStatus.Reserved],
  );
  settled.sort((a, b) => a.budget_id.localeCompare(b.budget_id));
  for (const r of settled) {
    await em.execute('update budget_periods set reserved_usd = reserved_usd - ?::numeric, spent_usd = spent_usd + ?::numeric where budget_id = ? and period_start = ?', [
      r.amount_usd,
      actualUsd,
      r.budget_id,
      r.period_start,
    ]);
  }
  return settled.length;
}

/** Records the thresholds newly reached in this period; returns only those not recorded before (each alert fires once). */
export async function claimAlerts(em: EntityManager, s: BudgetState): Promise<number[]> {
  const reached = reachedThresholds(s);
  if (!reached.length) return [];
  const rows = await em.execute<{ threshold: number }[]>(
    `insert into budget_alerts (budget_id, period_start, threshold, created_at)
     select ?, ?, t, now() from unnest(?::smallint[]) t
     on conflict do nothing returning threshold`,
    [s.budgetId, s.periodStart, `{${reached.join(',')}}`],
  );
  return rows.map((r) => Number(r.threshold)).sort((a, b) => a - b);
}

function state(budgetId: string, window: BudgetWindow, start: Date, row: PeriodRow | undefined): BudgetState {
  return {
    budgetId,
    window,
    periodStart: start,
    limitUsd: usd(String(row?.limit_usd ?? '0')),
    spentUsd: usd(String(row?.spent_usd ?? '0')),
    reservedUsd: usd(String(row?.reserved_usd ?? '0')),
  };
}
