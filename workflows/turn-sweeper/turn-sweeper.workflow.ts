import { proxyActivities } from '@temporalio/workflow';
import type { TurnSweeperActivities } from '../../activities/chat/turn-sweeper.activities';
import type { TurnSweepInput, TurnSweepResult } from './turn-sweeper.contract';

const { findSweepCandidates, settleOrphanTurns } = proxyActivities<TurnSweeperActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 3 },
});

/** One sweep: turns with no live workflow end as failed and their holds are released (see the contract). */
export async function turnSweeperWorkflow(input: TurnSweepInput = {}): Promise<TurnSweepResult> {
  const candidates = await findSweepCandidates(input);
  if (!candidates.runningTurnIds.length && !candidates.unsettledTurnIds.length) return { checked: 0, failed: 0, released: 0 };
  return settleOrphanTurns(candidates);
}
