import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, executeChild, patched, proxyActivities, TimeoutFailure, upsertSearchAttributes } from '@temporalio/workflow';
import type { ToolRunActivities } from '../../activities/tools/tool-run.activities';
import { SA } from '../../temporal/search-attributes';
import { DECLARATIVE_RUN_WORKFLOW, declarativeRunKind, declarativeRunWorkflowId, type DeclarativeRunInput, type DeclarativeRunResult } from '../declarative-run/declarative-run.contract';
import { NON_RETRYABLE_TOOL_ERRORS, type ToolCallError, type ToolRunInput, type ToolRunResult } from './tool-run.contract';

// Bookkeeping: short, and retried until Postgres answers (writing the outcome is idempotent).
const { recordToolRun } = proxyActivities<ToolRunActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
});

// A read and a schema check: retried on Postgres trouble, never on a refusal.
const { loadWorkflowTool } = proxyActivities<ToolRunActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE_TOOL_ERRORS.concat('ToolConfigError') },
});

/** UTF-8 length of a string (no TextEncoder needed in the sandbox). */
function utf8Bytes(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * A workflow tool: its definition (current version, pinned now) runs as a declarativeRun child under the
 * calling user, bounded by the tool's timeout; the run's status and outputs are the result, capped like any.
 */
async function runWorkflowTool(input: ToolRunInput): Promise<{ result: unknown; cached: boolean }> {
  const { tool } = input;
  if (!tool.workflow) throw ApplicationFailure.nonRetryable('the workflow tool names no definition', 'ToolConfigError');
  const target = await loadWorkflowTool({ definitionId: tool.workflow.definitionId, input: input.input });
  const args: DeclarativeRunInput = { ...target, ownerId: input.userId, input: input.input, trigger: 'tool' };
  const run = await executeChild<(i: DeclarativeRunInput) => Promise<DeclarativeRunResult>>(DECLARATIVE_RUN_WORKFLOW, {
    workflowId: declarativeRunWorkflowId(target.definitionId, `tool-run-${input.runId}`),
    args: [args],
    workflowExecutionTimeout: tool.timeoutMs,
    typedSearchAttributes: [
      { key: SA.kind, value: declarativeRunKind(target.definitionId) },
      { key: SA.userId, value: input.userId },
    ],
  });
  const result = { definitionId: target.definitionId, version: target.version, status: run.status, outputs: run.outputs };
  const bytes = utf8Bytes(JSON.stringify(result));
  if (bytes > tool.resultMaxBytes) throw ApplicationFailure.nonRetryable(`the result is ${bytes} bytes, more than the tool's resultMaxBytes (${tool.resultMaxBytes})`, 'ResultTooLarge');
  return { result, cached: false };
}

function describeFailure(err: unknown): ToolCallError {
  const cause = err instanceof ActivityFailure || err instanceof ChildWorkflowFailure ? err.cause : err;
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
  let executed: { result: unknown; cached: boolean };
  try {
    // Histories from before workflow tools ran failed in executeTool (ToolNotImplemented) and replay that way.
    executed = tool.kind === 'workflow' && patched('tool-run-workflow-kind') ? await runWorkflowTool(input) : await executeTool(input);
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
