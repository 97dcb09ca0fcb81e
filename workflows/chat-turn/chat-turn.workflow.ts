import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  executeChild,
  isCancellation,
  patched,
  TimeoutFailure,
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import { SA } from '../../temporal/search-attributes';
import type { ChatActivities } from '../../activities/chat/chat-turn.activities';
import { APPROVAL_WORKFLOW, approvalWorkflowId, type ApprovalOutcome } from '../approval/approval.contract';
import type { approvalWorkflow } from '../approval/approval.workflow';
import { TOOL_RUN_WORKFLOW, type ToolRunResult } from '../tool-run/tool-run.contract';
import type { toolRunWorkflow } from '../tool-run/tool-run.workflow';
import {
  addUsd,
  CANCELLED_REPLY,
  DEFAULT_MAX_TOOL_STEPS,
  INTERNAL_TURN_PROBLEM,
  TIMED_OUT_TURN_PROBLEM,
  type ChatTurnInput,
  type ChatTurnResult,
  type FinishTurnInput,
  type GenerateReplyResult,
  type PlannedToolCall,
  type TurnProblem,
} from './chat-turn.contract';

/** A provider call: quick retries, none for a bad key, a bad request or a turn that is gone. */
const PROVIDER_CALL_RETRY: RetryPolicy = {
  initialInterval: '500 milliseconds',
  backoffCoefficient: 2,
  maximumInterval: '10 seconds',
  maximumAttempts: 4,
  nonRetryableErrorTypes: ['ProviderAuthError', 'ProviderBadRequestError', 'TurnNotFoundError'],
};

// One activity does the whole provider call (context, streaming to Redis, persisting): a turn costs
// one workflow task plus one activity. Heartbeats carry progress and bring cancellation in.
const { generateReply } = proxyActivities<ChatActivities>({
  // On cancel, wait for the activity to record what it produced before the workflow moves on.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '5 seconds',
  retry: PROVIDER_CALL_RETRY,
});

// The same activity as a local one, for a first step an API process streams: it waits for that
// process's draft and records it, costing the turn no activity task round trips. The SDK keeps the
// workflow task alive while it runs; worker death re-runs it on another worker (it adopts again).
const { generateReply: adoptFirstStep } = proxyLocalActivities<ChatActivities>({
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  startToCloseTimeout: '10 minutes',
  retry: PROVIDER_CALL_RETRY,
});

const { finishTurn, recordToolOutcome, announceToolApproval } = proxyActivities<ChatActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10 },
});

/** Who decides a chat turn's tool call that requires approval. */
const TOOL_APPROVAL_DECIDERS = { roles: ['admin'] };

function problemOf(err: unknown): TurnProblem {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.details?.[0] && typeof cause.details[0] === 'object') {
    const { status, title, detail, retryAfterSeconds } = cause.details[0] as TurnProblem;
    return { status, title, detail, retryAfterSeconds };
  }
  // Anything else failed inside the gateway (the activity classifies provider errors): never report
  // it as the provider's, nor pass on a driver's message.
  return cause instanceof TimeoutFailure ? TIMED_OUT_TURN_PROBLEM : INTERNAL_TURN_PROBLEM;
}

function childError(err: unknown): string {
  const cause = err instanceof ChildWorkflowFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'ToolError'}: ${cause.message}`;
  return cause instanceof Error ? cause.message : 'the tool call failed';
}

/**
 * One call: refused ones are reported as such; one that requires approval waits for an approval child;
 * then a toolRun child (same user, the tool layer scopes by it). The outcome reaches the model either way.
 */
async function runToolCall(input: ChatTurnInput, step: number, call: PlannedToolCall): Promise<void> {
  const report = (phase: 'result' | 'error', value: { result?: unknown; error?: string }) => recordToolOutcome({ turnId: input.turnId, step, call, phase, ...value });
  if (!call.tool || !call.input) return report('error', { error: call.refusal ?? 'the call was refused' });
  if (call.approvalId) {
    await announceToolApproval({ turnId: input.turnId, call });
    let outcome: ApprovalOutcome;
    try {
      outcome = await executeChild<typeof approvalWorkflow>(APPROVAL_WORKFLOW, {
        workflowId: approvalWorkflowId(call.approvalId),
        args: [{ requestId: call.approvalId, kind: 'tool-run', subject: { title: `Run tool ${call.name}`, details: { tool: call.name, input: call.input, turnId: input.turnId } }, requesterId: input.userId, deciders: TOOL_APPROVAL_DECIDERS, timeout: 'PT1H', originRequestId: input.requestId }],
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      return report('error', { error: `the approval failed (${childError(err)})` });
    }
    if (outcome.status !== 'approved') return report('error', { error: `the call was ${outcome.status} by an approver${outcome.comment ? `: ${outcome.comment}` : ''}; do not retry it` });
  }
  let run: ToolRunResult;
  try {
    run = await executeChild<typeof toolRunWorkflow>(TOOL_RUN_WORKFLOW, {
      workflowId: call.workflowId,
      args: [{ runId: call.runId, userId: input.userId, tool: call.tool, input: call.input }],
      typedSearchAttributes: [
        { key: SA.kind, value: 'tool-run' },
        { key: SA.userId, value: input.userId },
        { key: SA.status, value: 'running' },
      ],
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    return report('error', { error: childError(err) });
  }
  return report('result', { result: run.result });
}

class ToolStepLimit extends Error {}

/**
 * Tool rounds: run the step's calls in parallel, feed the results back, ask the model again, until it
 * answers in text or the step limit is reached. `usage` accumulates every provider call of the turn.
 */
async function toolLoop(input: ChatTurnInput, first: GenerateReplyResult, usage: NonNullable<FinishTurnInput['usage']>): Promise<GenerateReplyResult> {
  const limit = input.maxToolSteps ?? DEFAULT_MAX_TOOL_STEPS;
  let r = first;
  for (let step = 0; r.toolCalls?.length; step++) {
    Object.assign(usage, { inputTokens: usage.inputTokens + r.inputTokens, outputTokens: usage.outputTokens + r.outputTokens, costUsd: addUsd(usage.costUsd, r.costUsd), provider: r.provider, model: r.model ?? usage.model });
    if (step >= limit) throw new ToolStepLimit(`The model still asked for tools after ${limit} tool steps (CHAT_MAX_TOOL_STEPS)`);
    const calls = r.toolCalls;
    await Promise.all(calls.map((call) => runToolCall(input, step, call)));
    const { inputTokens, outputTokens, costUsd } = usage;
    r = await generateReply({ ...input, step: step + 1, usageSoFar: { inputTokens, outputTokens, costUsd } });
  }
  return r;
}

export async function chatTurnWorkflow(input: ChatTurnInput): Promise<ChatTurnResult> {
  const usage = { inputTokens: 0, outputTokens: 0, costUsd: '0', provider: 'unknown', model: input.model };
  try {
    // The input decides, and it is in the history: no patch marker needed (older turns never set it).
    const adopted = input.firstStepFromApi === true;
    let r = adopted ? await adoptFirstStep(input) : await generateReply(input);
    if (adopted && r.finishReason === CANCELLED_REPLY) {
      upsertSearchAttributes([{ key: SA.status, value: 'cancelled' }]);
      return { turnId: input.turnId, status: 'cancelled', assistantMessageId: r.assistantMessageId || null };
    }
    // Histories from before tool calling never get here (their turns offered no tools).
    if (r.toolCalls?.length && patched('chat-tool-calls')) r = await toolLoop(input, r, usage);
    upsertSearchAttributes([
      { key: SA.status, value: 'completed' },
      { key: SA.costUsd, value: Number(r.costUsd) },
    ]);
    return { turnId: input.turnId, status: 'completed', ...r };
  } catch (err) {
    const cancelled = isCancellation(err);
    const error = cancelled ? undefined : err instanceof ToolStepLimit ? { status: 422, title: 'Tool step limit reached', detail: err.message } : problemOf(err);
    const spent = usage.inputTokens || usage.outputTokens ? { usage } : {};
    // Recording the outcome must happen even though the workflow itself is being cancelled.
    const assistantMessageId = await CancellationScope.nonCancellable(() =>
      finishTurn({ turnId: input.turnId, status: cancelled ? 'cancelled' : 'failed', error, ...spent }),
    );
    upsertSearchAttributes([{ key: SA.status, value: cancelled ? 'cancelled' : 'failed' }]);
    return { turnId: input.turnId, status: cancelled ? 'cancelled' : 'failed', assistantMessageId, error };
  }
}
