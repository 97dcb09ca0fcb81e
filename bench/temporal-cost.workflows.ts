/**
 * Workflows for bench/temporal-cost-bench.ts: one parameterised stand-in for a short chat turn, so
 * each benchmark variant differs only in the shape being measured (no provider, no Redis, no DB).
 */
import { allHandlersFinished, condition, defineSignal, defineUpdate, proxyActivities, proxyLocalActivities, proxySinks, RetryPolicy, setHandler, Sinks, upsertSearchAttributes } from '@temporalio/workflow';
import { SA } from '../temporal/search-attributes';

export interface CostActivities {
  /** Stands in for generateReply: returns at once, so only Temporal's own cost is measured. */
  fakeReply(turnId: string): Promise<{ costUsd: string }>;
}

export interface CostTurnInput {
  turnId: string;
  activity: 'regular' | 'local' | 'none';
  upsert: boolean;
  /** Tell the bench process through a sink instead of it awaiting the result from the server. */
  notify?: boolean;
}

/** In-process stand-in for "the turn published its terminal event" (Redis in the real gateway). */
export interface CostSinks extends Sinks {
  bench: { done(turnId: string): void };
}
const { bench } = proxySinks<CostSinks>();

// Same timeouts/retries as the real generateReply proxy (chat-turn.workflow.ts), minus heartbeats.
const retry: RetryPolicy = { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 4 };
const regular = proxyActivities<CostActivities>({ startToCloseTimeout: '10 minutes', retry });
const local = proxyLocalActivities<CostActivities>({ startToCloseTimeout: '10 minutes', retry });

export async function costTurnWorkflow(input: CostTurnInput): Promise<{ turnId: string; costUsd: string }> {
  let costUsd = '0';
  if (input.activity === 'regular') ({ costUsd } = await regular.fakeReply(input.turnId));
  else if (input.activity === 'local') ({ costUsd } = await local.fakeReply(input.turnId));
  if (input.upsert) {
    upsertSearchAttributes([
      { key: SA.status, value: 'completed' },
      { key: SA.costUsd, value: Number(costUsd) },
    ]);
  }
  if (input.notify) bench.done(input.turnId);
  return { turnId: input.turnId, costUsd };
}

// A different structure: one long-lived workflow per conversation/session, one Update per turn (no
// workflow start per turn). A real one would continue-as-new every few hundred turns.
export const turnUpdate = defineUpdate<{ turnId: string; costUsd: string }, [CostTurnInput]>('turn');
export const stopSignal = defineSignal('stop');

export async function costSessionWorkflow(): Promise<number> {
  let turns = 0;
  let stop = false;
  setHandler(turnUpdate, async (input) => {
    const { costUsd } = await (input.activity === 'regular' ? regular : local).fakeReply(input.turnId);
    // What an operator searches by: the conversation's latest turn status and cost.
    if (input.upsert) upsertSearchAttributes([{ key: SA.status, value: 'completed' }, { key: SA.costUsd, value: Number(costUsd) }]);
    turns++;
    return { turnId: input.turnId, costUsd };
  });
  setHandler(stopSignal, () => void (stop = true));
  await condition(() => stop && allHandlersFinished());
  return turns;
}
