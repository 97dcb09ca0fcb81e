/**
 * Contract of the turnSweeper workflow, run by the `turn-sweeper` schedule. A chat turn and its budget
 * hold are committed before the turn's workflow is started; if the process dies in between (or the
 * start fails and the failure cannot be recorded), nothing else would ever end the turn. The sweeper
 * finds such turns (running, older than the grace period, with no live workflow) and fails them,
 * releasing their holds, and releases holds left open by turns that ended without settling them.
 */
export interface TurnSweepInput {
  /** A turn younger than this may still be starting; default TURN_SWEEP_GRACE_SECONDS. */
  graceSeconds?: number;
  /** Turns looked at per run (the oldest first); default 200. */
  limit?: number;
  /** Only this user's turns (an operator's targeted sweep; specs). */
  userId?: string;
}

export interface TurnSweepCandidates {
  /** Running turns past the grace period: each is checked against Temporal. */
  runningTurnIds: string[];
  /** Turns no longer running whose budget hold is still open. */
  unsettledTurnIds: string[];
}

export interface TurnSweepResult {
  checked: number;
  /** Orphans failed (their holds refunded). */
  failed: number;
  /** Holds released on turns that had already ended. */
  released: number;
}

export const TURN_SWEEPER_WORKFLOW = 'turnSweeperWorkflow';
export const TURN_SWEEPER_SCHEDULE_ID = 'turn-sweeper';
/** How often the schedule runs. */
export const TURN_SWEEP_EVERY_SECONDS = 15;
/** Longer than a start can take (Temporal calls are bounded at 5 s): a younger turn may be starting. */
export const TURN_SWEEP_GRACE_SECONDS = 20;
/** So an orphan ends at most this long after its turn was stored (grace + one period + the run). */
export const TURN_ORPHAN_BOUND_SECONDS = TURN_SWEEP_GRACE_SECONDS + TURN_SWEEP_EVERY_SECONDS + 10;

/** What the client of an orphaned turn is told (the stream's `error`, GET /chat/turns/:id). */
export const ORPHAN_TURN_PROBLEM = {
  status: 503,
  title: 'Turn not started',
  detail: 'The turn was stored but its workflow never started (the gateway was interrupted); nothing was billed, retry it',
};
