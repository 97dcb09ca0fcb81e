import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { SA } from '../../temporal/search-attributes';
import type { ChatActivities } from '../../activities/chat/chat-turn.activities';
import type { ChatTurnInput, ChatTurnResult, TurnProblem } from './chat-turn.contract';

// One activity does the whole provider call (context, streaming to Redis, persisting): a turn costs
// one workflow task plus one activity. Heartbeats carry progress and bring cancellation in.
const { generateReply } = proxyActivities<ChatActivities>({
  // On cancel, wait for the activity to record what it produced before the workflow moves on.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '5 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 4,
    nonRetryableErrorTypes: ['ProviderAuthError', 'ProviderBadRequestError', 'TurnNotFoundError'],
  },
});

const { finishTurn } = proxyActivities<ChatActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10 },
});

function problemOf(err: unknown): TurnProblem {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.details?.[0] && typeof cause.details[0] === 'object') {
    const { status, title, detail, retryAfterSeconds } = cause.details[0] as TurnProblem;
    return { status, title, detail, retryAfterSeconds };
  }
  return { status: 502, title: 'Upstream error', detail: cause instanceof Error ? cause.message : 'The model provider failed' };
}

export async function chatTurnWorkflow(input: ChatTurnInput): Promise<ChatTurnResult> {
  try {
    const r = await generateReply(input);
    upsertSearchAttributes([
      { key: SA.status, value: 'completed' },
      { key: SA.costUsd, value: Number(r.costUsd) },
    ]);
    return { turnId: input.turnId, status: 'completed', ...r };
  } catch (err) {
    const cancelled = isCancellation(err);
    const error = cancelled ? undefined : problemOf(err);
    // Recording the outcome must happen even though the workflow itself is being cancelled.
    const assistantMessageId = await CancellationScope.nonCancellable(() =>
      finishTurn({ turnId: input.turnId, status: cancelled ? 'cancelled' : 'failed', error }),
    );
    upsertSearchAttributes([{ key: SA.status, value: cancelled ? 'cancelled' : 'failed' }]);
    return { turnId: input.turnId, status: cancelled ? 'cancelled' : 'failed', assistantMessageId, error };
  }
}
