import type { ToolSpec } from '../tool-run/tool-run.contract';

/** Contract of the chatTurn workflow, shared by the API (start, cancel, query) and the worker. */
export interface ChatTurnInput {
  turnId: string;
  userId: string;
  conversationId: string;
  userMessageId: string;
  /** Model-registry id, e.g. local/smollm2-135m-instruct. */
  model: string;
  maxTokens?: number;
  temperature?: number;
  requestId?: string;
  /** Tools the model may call (registry names, checked by the API for the caller's role). */
  tools?: string[];
  /** Tool rounds before the turn gives up (CHAT_MAX_TOOL_STEPS); default DEFAULT_MAX_TOOL_STEPS. */
  maxToolSteps?: number;
  /**
   * The accepting API process makes the first provider call (shared/streams/turn-handoff.ts): the
   * workflow only adopts its draft, in a local activity (no activity task round trips).
   */
  firstStepFromApi?: boolean;
}

export const DEFAULT_MAX_TOOL_STEPS = 5;

/** Tokens and cost of the provider calls made so far in a turn (recorded as the turn's one usage row). */
export interface StepUsage {
  inputTokens: number;
  outputTokens: number;
  costUsd: string;
}

/** One provider call of a turn: step 0 answers the user, step n follows the nth round of tool results. */
export interface GenerateReplyInput extends ChatTurnInput {
  step?: number;
  usageSoFar?: StepUsage;
}

/**
 * A tool call the model made, resolved by the activity: the frozen tool version to run, or why it
 * will not run (unknown tool, bad arguments). Ids are derived from turn, step and index, so a retry
 * names the same run, approval and messages.
 */
export interface PlannedToolCall {
  callId: string;
  name: string;
  index: number;
  /** tool_runs row id and the child's workflow id (`tool-run:<turnId>-<step>-<index>`). */
  runId: string;
  workflowId: string;
  tool?: ToolSpec;
  input?: Record<string, unknown>;
  /** Set when the call is refused before it runs; the model is told this text. */
  refusal?: string;
  /** Set when the tool needs a human decision first: the approval's request id. */
  approvalId?: string;
}

export interface ToolOutcome {
  turnId: string;
  step: number;
  call: PlannedToolCall;
  phase: 'result' | 'error';
  result?: unknown;
  error?: string;
}

export type ChatTurnOutcome = 'completed' | 'failed' | 'cancelled';

export interface ChatTurnResult {
  turnId: string;
  status: ChatTurnOutcome;
  assistantMessageId: string | null;
  provider?: string;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: string;
  error?: TurnProblem;
}

/** finishReason of an adopted first step that was cancelled (and recorded as such) before it ended. */
export const CANCELLED_REPLY = 'cancelled';

/** Result of the provider activity, kept small: the text itself never enters workflow history. */
export interface GenerateReplyResult {
  assistantMessageId: string;
  provider: string;
  finishReason: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: string;
  /** finishReason tool_calls: what to run before the next step (nothing was recorded as the reply). */
  toolCalls?: PlannedToolCall[];
  /** The model that answered this step, for the usage row of a turn that ends later. */
  model?: string;
}

export interface FinishTurnInput {
  turnId: string;
  status: 'failed' | 'cancelled';
  error?: TurnProblem;
  /** Provider calls already made (tool steps): recorded as the turn's usage. */
  usage?: StepUsage & { provider: string; model: string };
}

/** Why a turn failed, as the API reports it (problem+json fields). */
export interface TurnProblem {
  status: number;
  title: string;
  detail: string;
  retryAfterSeconds?: number;
}

/**
 * A turn that failed inside the gateway (its database, Redis, a bug), not at the provider: the client
 * is told so, never the driver's text (that stays in the activity failure, for operators).
 */
export const INTERNAL_TURN_PROBLEM: TurnProblem = { status: 500, title: 'Internal error', detail: 'The turn failed inside the gateway; it has been logged' };
/** A dependency of the gateway (Postgres, Redis, Temporal) was unreachable during the turn. */
export const UNAVAILABLE_TURN_PROBLEM: TurnProblem = { status: 503, title: 'Service unavailable', detail: 'A service the gateway depends on was unreachable during the turn; retry shortly', retryAfterSeconds: 5 };
/** The turn ran out of time (an activity timeout), whoever was slow. */
export const TIMED_OUT_TURN_PROBLEM: TurnProblem = { status: 504, title: 'Turn timed out', detail: 'The turn did not finish in time' };

export const CHAT_TURN_WORKFLOW = 'chatTurnWorkflow';

/** The turn id is the workflow's business key: starting it twice is a no-op. */
export function chatTurnWorkflowId(turnId: string): string {
  return `chat-turn:${turnId}`;
}

/** Child workflow id of a turn's tool call: one per (turn, step, call index), so a retry never runs it twice. */
export function chatToolRunWorkflowId(turnId: string, step: number, index: number): string {
  return `tool-run:${turnId}-${step}-${index}`;
}

/** Sum of two exact USD decimals (8 places), as usage rows store them. */
export function addUsd(a: string, b: string): string {
  const units = (v: string) => {
    const [w, f = ''] = v.split('.');
    return BigInt(w || '0') * 100_000_000n + BigInt((f + '00000000').slice(0, 8));
  };
  const sum = units(a) + units(b);
  return `${sum / 100_000_000n}.${(sum % 100_000_000n).toString().padStart(8, '0')}`;
}
