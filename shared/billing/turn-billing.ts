import type { EntityManager } from '@mikro-orm/postgresql';
import { settleReservations } from './budget-ledger';
import { consumeCredits } from './credit-ledger';

export interface TurnCharge {
  /** The turn id: reservations and credit draws are keyed by it. */
  sourceId: string;
  userId: string;
  /** What the turn actually cost ('0' for a failed or cancelled turn: its hold is refunded). */
  costUsd: string;
}

/**
 * Settles a finished turn's money inside the transaction that records its outcome, so the budget
 * commit/refund and the credit draw happen exactly once, together with the usage row.
 */
export async function settleTurnBilling(tx: EntityManager, charge: TurnCharge): Promise<void> {
  await settleReservations(tx, charge.sourceId, charge.costUsd);
  await consumeCredits(tx, charge.userId, charge.sourceId, charge.costUsd);
}
