import { ActivityFailure, ApplicationFailure, proxyActivities, TimeoutFailure, upsertSearchAttributes } from '@temporalio/workflow';
import type { ToolRunActivities } from '../../activities/tools/tool-run.activities';
import { SA } from '../../temporal/search-attributes';
import { NON_RETRYABLE_TOOL_ERRORS, type ToolCallError, type ToolRunInput, type ToolRunResult } from './tool-run.contract';

// Bookkeeping: short, and retried until Postgres answers (writing the outcome is idempotent).
const { recordToolRun } = proxyActivities<ToolRunActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
});

function describeFailure(err: unknown): ToolCallError {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof TimeoutFailure) return { type: 'ToolTimeout', message: 'the tool did not answer within its timeout' };
  if (cause instanceof ApplicationFailure) {
    const upstreamStatus = (cause.details?.[0] as { upstreamStatus?: number } | undefined)?.upstreamStatus;
    return { type: cause.type ?? 'ToolError', message: cause.message, ...(upstreamStatus ? { upstreamStatus } : {}) };
  }
  return { type: 'ToolError', message: cause instanceof Error ? cause.message : 'the tool call failed' };
}

/** One tool call with the tool version's own timeout and retry policy; outcome and cost recorded once. */
export async function toolRunWorkflow(input: ToolRunInput): Promise<ToolRunResult> {
  const { tool } = input;
  const { executeTool } = proxyActivities<ToolRunActivities>({
    startToCloseTimeout: tool.timeoutMs,
    retry: {
      maximumAttempts: tool.retry.maxAttempts,
      initialInterval: tool.retry.initialMs,
      backoffCoefficient: tool.retry.coefficient,
      maximumInterval: tool.retry.maxMs,
      nonRetryableErrorTypes: NON_RETRYABLE_TOOL_ERRORS,
    },
  });
  const started = Date.now();
  let executed: Awaited<ReturnType<typeof executeTool>>;
  try {
    executed = await executeTool(input);
  } catch (err) {
    const error = describeFailure(err);
    await recordToolRun({ runId: input.runId, status: 'failed', latencyMs: Date.now() - started, costUsd: '0', cached: false, error });
    upsertSearchAttributes([{ key: SA.status, value: 'failed' }]);
    throw ApplicationFailure.nonRetryable(error.message, error.type, error);
  }
  const latencyMs = Date.now() - started;
  // A cache hit made no call, so it costs nothing.
  const costUsd = executed.cached ? '0' : tool.costPerCallUsd;
  await recordToolRun({ runId: input.runId, status: 'completed', latencyMs, costUsd, cached: executed.cached, result: executed.result });
  upsertSearchAttributes([
    { key: SA.status, value: 'completed' },
    { key: SA.costUsd, value: Number(costUsd) },
  ]);
  return { runId: input.runId, status: 'completed', result: executed.result, cached: executed.cached, latencyMs, costUsd };
}
