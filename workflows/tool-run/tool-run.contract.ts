/** Contract of the toolRun workflow, shared by the API (start, wait) and the worker. */

export type ToolKind = 'http' | 'builtin' | 'workflow';

export interface ToolRetryPolicy {
  /** Attempts in all, the first included (1 = no retry). */
  maxAttempts: number;
  /** Delay before the first retry, in ms; multiplied by `coefficient` each time, capped at `maxMs`. */
  initialMs: number;
  coefficient: number;
  maxMs: number;
}

export interface HttpToolConfig {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `{param}` placeholders are filled from the input, URL-encoded. */
  urlTemplate: string;
  /** Values may reference stored secrets as `{{secret:NAME}}`; resolved in the activity only. */
  headers: Record<string, string>;
  /** A JSON template whose string values `{{input.x}}` are replaced by the input's values. */
  bodyTemplate?: unknown;
}

/** A workflow tool: the declared definition it runs (its current version when the call executes). */
export interface WorkflowToolConfig {
  definitionId: string;
}

/** The tool version a run uses: frozen at start, so a later PATCH never changes a running call. */
export interface ToolSpec {
  name: string;
  version: number;
  kind: ToolKind;
  timeoutMs: number;
  retry: ToolRetryPolicy;
  resultMaxBytes: number;
  cacheTtlSeconds: number;
  /** USD per (uncached) call, exact decimal string. */
  costPerCallUsd: string;
  http?: HttpToolConfig;
  workflow?: WorkflowToolConfig;
}

export interface ToolRunInput {
  runId: string;
  /** The caller: tools that read user data (conversation_search) scope by this, never by the input. */
  userId: string;
  tool: ToolSpec;
  input: Record<string, unknown>;
}

export interface ToolCallError {
  /** DestinationNotAllowed, ToolInputError, UpstreamError, ResultTooLarge, ToolTimeout, ToolError… */
  type: string;
  message: string;
  /** Upstream HTTP status, when there was one. */
  upstreamStatus?: number;
}

export interface ToolRunResult {
  runId: string;
  status: 'completed';
  result: unknown;
  cached: boolean;
  latencyMs: number;
  costUsd: string;
}

/** Error types the tool's retry policy never retries: retrying cannot change the outcome. */
export const NON_RETRYABLE_TOOL_ERRORS = ['DestinationNotAllowed', 'ToolInputError', 'ResultTooLarge', 'ToolNotImplemented'];

export const TOOL_RUN_WORKFLOW = 'toolRunWorkflow';

export function toolRunWorkflowId(runId: string): string {
  return `tool-run:${runId}`;
}
