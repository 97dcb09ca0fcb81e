import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ToolSpec } from '../tool-run/tool-run.contract';

/**
 * Contract of the declarativeRun interpreter: the definition language's types (validated by the API
 * against shared/workflow-definitions/definition.schema.ts), its input, signals and queries.
 */

/** `<n><unit>`: ms, s, m, h, d, w (e.g. `30s`, `3d`). */
export type DurationText = string;
/** A jexl expression evaluated against the run's scope: `input`, `steps.<id>`, `item`, `index`. */
export type Expression = string;

interface NodeBase {
  id: string;
  name?: string;
  /** Jump to this node (in the same list) when done; default: the next node in the list. */
  next?: string;
  /** Stop the run successfully after this node. */
  end?: boolean;
}

export interface HttpAction extends NodeBase {
  type: 'action';
  kind: 'http';
  request: { method?: string; url: string; headers?: Record<string, string>; body?: unknown };
  timeout?: DurationText;
}
export interface LlmAction extends NodeBase {
  type: 'action';
  kind: 'llm';
  prompt: string;
  system?: string;
  model?: string;
  maxTokens?: number;
  timeout?: DurationText;
}
export interface NotifyAction extends NodeBase {
  type: 'action';
  kind: 'notify';
  to: string;
  subject: string;
  text: string;
}
export interface ToolAction extends NodeBase {
  type: 'action';
  kind: 'tool';
  tool: string;
  arguments?: Record<string, unknown>;
  timeout?: DurationText;
}
/** A tool node's call as resolved when it runs: the pinned version, the checked input, ids named by run and node. */
export interface ToolNodeCall {
  runId: string;
  workflowId: string;
  tool: ToolSpec;
  input: Record<string, unknown>;
  /** Set when the tool requires a human decision first. */
  approvalId?: string;
}
export type ActionNode = HttpAction | LlmAction | NotifyAction | ToolAction;

export interface DecisionNode extends NodeBase {
  type: 'decision';
  cases: { when: Expression; then: string }[];
  else?: string;
}
export interface ParallelNode extends NodeBase {
  type: 'parallel';
  branches: { id?: string; nodes: WorkflowNode[] }[];
  /** all (default): every branch; any: the first, the rest cancelled; n: the first `count`. */
  join?: 'all' | 'any' | 'n';
  count?: number;
}
export interface LoopNode extends NodeBase {
  type: 'loop';
  forEach?: Expression;
  while?: Expression;
  /** Hard cap on iterations (the engine never allows more than MAX_LOOP_ITERATIONS). */
  max: number;
  /** What hitting the cap does: fail the run (default) or leave the loop. */
  onCap?: 'fail' | 'stop';
  do: WorkflowNode[];
}
export interface WaitNode extends NodeBase {
  type: 'wait';
  duration?: DurationText;
  /** An ISO-8601 time, or a `${{ expression }}` giving one. */
  until?: string;
  /** A named signal (POST …/executions/:eid/signal); its payload is the step's output. */
  signal?: string;
  timeout?: DurationText;
}
export interface ApprovalNode extends NodeBase {
  type: 'approval';
  /** Shown to approvers. */
  message?: string;
  timeout?: DurationText;
  /** What a timeout means (default reject). */
  onTimeout?: 'approve' | 'reject';
  /** Where a rejection goes; without it a rejection ends the run with status `rejected`. */
  onReject?: string;
}
export interface SubWorkflowNode extends NodeBase {
  type: 'sub-workflow';
  /** Id of another definition of the same owner; its current version runs as a child. */
  workflow: string;
  input?: Record<string, unknown>;
}

export type WorkflowNode = ActionNode | DecisionNode | ParallelNode | LoopNode | WaitNode | ApprovalNode | SubWorkflowNode;

export type WorkflowTrigger = { type: 'manual' } | { type: 'schedule'; cron: string; timezone?: string; input?: Record<string, unknown> } | { type: 'webhook' };

export interface WorkflowSpec {
  name: string;
  description?: string;
  /** JSON Schema of the run's input. */
  input?: Record<string, unknown>;
  triggers?: WorkflowTrigger[];
  nodes: WorkflowNode[];
}

export const MAX_LOOP_ITERATIONS = 1000;
export const MAX_SUB_WORKFLOW_DEPTH = 5;

export interface DeclarativeRunInput {
  definitionId: string;
  version: number;
  ownerId: string;
  /** The version's content: a run is pinned to it whatever later patches do. */
  spec: WorkflowSpec;
  input: Record<string, unknown>;
  /** `tool`: a workflow tool's run (toolRun child), under the calling user. */
  trigger: 'manual' | 'schedule' | 'webhook' | 'sub-workflow' | 'tool';
  depth?: number;
}

export type StepStatus = 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled' | 'skipped';

export interface StepState {
  id: string;
  type: WorkflowNode['type'];
  status: StepStatus;
  startedAt: string;
  endedAt?: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  /** Loops: iterations done; other steps: how many times they ran (inside loops). */
  iterations?: number;
}

export type RunStatus = 'running' | 'paused' | 'completed' | 'rejected' | 'failed' | 'cancelled';

export interface RunState {
  status: RunStatus;
  definitionId: string;
  version: number;
  input: Record<string, unknown>;
  steps: StepState[];
}

export interface DeclarativeRunResult {
  status: 'completed' | 'rejected';
  outputs: Record<string, unknown>;
}

export interface ApprovalDecision {
  by?: string;
  comment?: string;
}

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const approveSignal = defineSignal<[ApprovalDecision?]>('approve');
export const rejectSignal = defineSignal<[ApprovalDecision?]>('reject');
/** A named signal for `wait: {signal}` nodes. */
export const namedSignal = defineSignal<[{ name: string; payload?: unknown }]>('signal');
export const stateQuery = defineQuery<RunState>('state');

export const DECLARATIVE_RUN_WORKFLOW = 'declarativeRunWorkflow';

/** Run ids carry the definition: `workflow-run:<definitionId>:<executionId>`. */
export function declarativeRunWorkflowId(definitionId: string, executionId: string): string {
  return `workflow-run:${definitionId}:${executionId}`;
}

/** The search-attribute kind all runs of one definition share (the executions list filters on it). */
export function declarativeRunKind(definitionId: string): string {
  return `workflow:${definitionId}`;
}
