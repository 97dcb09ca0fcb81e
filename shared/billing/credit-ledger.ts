import type { EntityManager } from '@mikro-orm/postgresql';
import { fromUnits, toUnits } from './usd';

/**
 * Credits: grants (with optional expiry) and consumption drawn from them, soonest-expiring first.
 * Balance = Σ over unexpired grants of (amount − consumed). Cost beyond the balance is not drawn.
 */
export async function consumeCredits(em: EntityManager, userId: string, sourceId: string, costUsd: string, now = new Date()): Promise<string> {
  let left = toUnits(costUsd);
  if (left <= 0n) return fromUnits(0n);
  const grants = await em.execute<{ id: string; remaining: string }[]>(
    `select id, amount_usd - consumed_usd as remaining from credit_grants
      where user_id = ? and (expires_at is null or expires_at > ?) and consumed_usd < amount_usd
      order by expires_at asc nulls last, created_at, id for update`,
    [userId, now],
  );
  let drawn = 0n;
  for (const g of grants) {
    if (left <= 0n) break;
    const take = toUnits(String(g.remaining)) < left ? toUnits(String(g.remaining)) : left;
    const inserted = await em.execute<{ id: string }[]>(
      `insert into credit_consumptions (id, source_id, grant_id, amount_usd, created_at) values (gen_random_uuid(), ?, ?, ?::numeric, now())
       on conflict do nothing returning id`,
      [sourceId, g.id, fromUnits(take)],
    );
    if (!inserted.length) continue; // already drawn for this source (a retry)
    await em.execute('update credit_grants set consumed_usd = consumed_usd + ?::numeric where id = ?', [fromUnits(take), g.id]);
    left -= take;
    drawn += take;
  }
  return fromUnits(drawn);
}

export interface CreditBalance {
  balanceUsd: string;
  grantedUsd: string;
  consumedUsd: string;
  /** The soonest expiry among grants that still hold credit. */
  nextExpiry: Date | null;
}

export async function creditBalance(em: EntityManager, userId: string, now = new Date()): Promise<CreditBalance> {
  const [row] = await em.execute<{ granted: string | null; consumed: string | null; next_expiry: Date | null }[]>(
    `select sum(amount_usd) as granted, sum(consumed_usd) as consumed,
            min(expires_at) filter (where consumed_usd < amount_usd) as next_expiry
       from credit_grants where user_id = ? and (expires_at is null or expires_at > ?)`,
    [userId, now],
  );
  const granted = toUnits(String(row?.granted ?? '0'));
  const consumed = toUnits(String(row?.consumed ?? '0'));
  return { balanceUsd: fromUnits(granted - consumed), grantedUsd: fromUnits(granted), consumedUsd: fromUnits(consumed), nextExpiry: row?.next_expiry ?? null };
}
