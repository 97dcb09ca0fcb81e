import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  condition,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { EngineActivities } from '../../activities/engine/engine.activities';
import type { ToolRunActivities } from '../../activities/tools/tool-run.activities';
import { SA } from '../../temporal/search-attributes';
import { APPROVAL_WORKFLOW, approvalWorkflowId, type ApprovalOutcome } from '../approval/approval.contract';
import { TOOL_RUN_WORKFLOW, type ToolRunResult } from '../tool-run/tool-run.contract';
import { SEND_EMAIL_WORKFLOW, sendEmailWorkflowId } from '../send-email/send-email.contract';
import {
  ApprovalDecision,
  approveSignal,
  DeclarativeRunInput,
  DeclarativeRunResult,
  declarativeRunWorkflowId,
  MAX_LOOP_ITERATIONS,
  MAX_SUB_WORKFLOW_DEPTH,
  namedSignal,
  pauseSignal,
  rejectSignal,
  resumeSignal,
  RunState,
  stateQuery,
  StepState,
  ToolAction,
  WorkflowNode,
} from './declarative-run.contract';

// Expressions and templates are evaluated next to the worker (local activities): jexl is not a
// sandbox import, and a decision should not cost a round trip to a remote activity worker.
const local = proxyLocalActivities<EngineActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 2, nonRetryableErrorTypes: ['ExpressionError', 'WorkflowStepError'] },
});

/** Side effects: per-node timeout, heartbeats bring a cancel in, and a cancel waits for the activity to stop. */
function actions(timeout: string) {
  const ms = durationMs(timeout);
  return proxyActivities<EngineActivities>({
    startToCloseTimeout: ms,
    heartbeatTimeout: '10 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: 3,
      nonRetryableErrorTypes: ['ExpressionError', 'WorkflowStepError', 'DestinationNotAllowed', 'ResultTooLarge', 'HttpClientError', 'ProviderAuthError', 'ProviderBadRequestError', 'ToolRegistryUnavailable', 'SubWorkflowNotFound'],
    },
  });
}

// Marks a tool run refused by an approver (the toolRun child never started, so nothing else will).
const toolBookkeeping = proxyActivities<ToolRunActivities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 10 } });

/** Who decides a tool node's call that requires approval (as for a chat turn's). */
const TOOL_APPROVAL_DECIDERS = { roles: ['admin'] };

/** Jumps (decision, next) could otherwise spin forever. */
const MAX_STEPS_PER_RUN = 5000;

type Stop = 'end' | 'rejected' | undefined;

export async function declarativeRunWorkflow(run: DeclarativeRunInput): Promise<DeclarativeRunResult> {
  const state: RunState = { status: 'running', definitionId: run.definitionId, version: run.version, input: run.input, steps: [] };
  const byId = new Map<string, StepState>();
  const outputs: Record<string, unknown> = {};
  const decisions: (ApprovalDecision & { approved: boolean })[] = [];
  const signals = new Map<string, unknown[]>();
  let paused = false;
  let stepsRun = 0;

  setHandler(stateQuery, () => ({ ...state, status: paused && state.status === 'running' ? 'paused' : state.status }));
  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  setHandler(approveSignal, (d) => void decisions.push({ ...d, approved: true }));
  setHandler(rejectSignal, (d) => void decisions.push({ ...d, approved: false }));
  setHandler(namedSignal, ({ name, payload }) => void signals.set(name, [...(signals.get(name) ?? []), payload ?? null]));

  const scope = (locals: Record<string, unknown>) => ({ input: run.input, steps: outputs, ...locals });
  const now = () => new Date().toISOString();

  function begin(node: WorkflowNode, input?: unknown): StepState {
    if (++stepsRun > MAX_STEPS_PER_RUN) throw ApplicationFailure.nonRetryable(`the run exceeded ${MAX_STEPS_PER_RUN} steps`, 'StepLimitExceeded');
    let s = byId.get(node.id);
    if (!s) {
      s = { id: node.id, type: node.type, status: 'running', startedAt: now(), iterations: 0 };
      byId.set(node.id, s);
      state.steps.push(s);
    }
    Object.assign(s, { status: 'running', startedAt: now(), endedAt: undefined, error: undefined, input });
    if (node.type !== 'loop') s.iterations = (s.iterations ?? 0) + 1;
    return s;
  }

  async function evaluate(expressions: string[], locals: Record<string, unknown>) {
    return local.evaluateExpressions({ expressions, scope: scope(locals) });
  }

  /** Runs a list of nodes; returns how the list stopped early, if it did. */
  async function runList(nodes: WorkflowNode[], locals: Record<string, unknown>): Promise<Stop> {
    let i = 0;
    while (i < nodes.length) {
      const node = nodes[i];
      await condition(() => !paused);
      const s = begin(node);
      let outcome: { jump?: string; stop?: Stop; output?: unknown };
      try {
        outcome = await runNode(node, s, locals);
      } catch (err) {
        s.status = isCancellation(err) ? 'cancelled' : 'failed';
        s.error = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
        s.endedAt = now();
        throw err;
      }
      outputs[node.id] = outcome.output ?? null;
      Object.assign(s, { status: 'completed', output: outcome.output ?? null, endedAt: now() });
      if (outcome.stop) return outcome.stop;
      // A decision's or approval's jump wins over `end` (end is then its fall-through).
      if (!outcome.jump && node.end) return 'end';
      const target = outcome.jump ?? node.next;
      i = target ? nodes.findIndex((n) => n.id === target) : i + 1;
      if (i < 0) throw ApplicationFailure.nonRetryable(`node ${node.id}: no node "${target}" in its list`, 'WorkflowStepError');
    }
    return undefined;
  }

  async function runNode(node: WorkflowNode, s: StepState, locals: Record<string, unknown>): Promise<{ jump?: string; stop?: Stop; output?: unknown }> {
    switch (node.type) {
      case 'action': {
        const act = actions(node.kind !== 'notify' && node.timeout ? node.timeout : '5m');
        if (node.kind === 'http') {
          const r = await act.httpAction({ request: node.request, scope: scope(locals), timeoutMs: durationMs(node.timeout ?? '30s') });
          s.input = r.input;
          return { output: r.output };
        }
        if (node.kind === 'llm') {
          const r = await act.llmAction({ prompt: node.prompt, system: node.system, model: node.model, maxTokens: node.maxTokens, scope: scope(locals) });
          s.input = r.input;
          return { output: r.output };
        }
        if (node.kind === 'tool') {
          // Histories from before tool nodes ran through the registry took the old activity path.
          if (patched('engine-tool-registry')) return { output: await runTool(node, s, locals) };
          const r = await act.toolAction({ tool: node.tool, arguments: node.arguments, scope: scope(locals) });
          return { output: r.output };
        }
        const message = (await local.renderValue({ value: { to: node.to, subject: node.subject, text: node.text }, scope: scope(locals) })) as { to: string; subject: string; text: string };
        s.input = message;
        if (patched('engine-notify-recipient')) await local.checkNotifyRecipient({ to: message.to, ownerId: run.ownerId });
        const key = `${workflowInfo().workflowId}:${node.id}:${s.iterations}`;
        const sent = await executeChild(SEND_EMAIL_WORKFLOW, { workflowId: sendEmailWorkflowId('workflow-notify', key), args: [{ message: { ...message, purpose: 'workflow-notify' } }] });
        return { output: sent };
      }
      case 'decision': {
        const values = await evaluate(node.cases.map((c) => c.when), locals);
        const hit = node.cases.findIndex((_, k) => Boolean(values[k]));
        const jump = hit >= 0 ? node.cases[hit].then : node.else;
        return { jump, output: { matched: hit >= 0 ? hit : 'else', next: jump ?? null } };
      }
      case 'parallel':
        return { ...(await runParallel(node, locals)) };
      case 'loop':
        return runLoop(node, s, locals);
      case 'wait': {
        s.status = 'waiting';
        if (node.signal) {
          const name = node.signal;
          const arrived = () => (signals.get(name)?.length ?? 0) > 0;
          const got = node.timeout ? await condition(arrived, durationMs(node.timeout)) : (await condition(arrived), true);
          return { output: got ? { signal: name, payload: signals.get(name)!.shift() } : { signal: name, timedOut: true } };
        }
        if (node.until) {
          const [until] = await evaluate([untilExpression(node.until)], locals);
          const at = Date.parse(String(until));
          if (Number.isNaN(at)) throw ApplicationFailure.nonRetryable(`wait ${node.id}: "${String(until)}" is not a time`, 'WorkflowStepError');
          if (at > Date.now()) await sleep(at - Date.now());
          return { output: { until: new Date(at).toISOString() } };
        }
        await sleep(durationMs(node.duration!));
        return { output: { waited: node.duration } };
      }
      case 'approval': {
        s.status = 'waiting';
        s.input = { message: node.message, timeout: node.timeout };
        const got = node.timeout ? await condition(() => decisions.length > 0, durationMs(node.timeout)) : (await condition(() => decisions.length > 0), true);
        const d = got ? decisions.shift()! : { approved: node.onTimeout === 'approve', timedOut: true };
        const output = { decision: d.approved ? 'approved' : 'rejected', ...d };
        if (d.approved) return { output };
        return node.onReject ? { jump: node.onReject, output } : { stop: 'rejected', output };
      }
      case 'sub-workflow': {
        const depth = (run.depth ?? 0) + 1;
        if (depth > MAX_SUB_WORKFLOW_DEPTH) throw ApplicationFailure.nonRetryable(`sub-workflows nest deeper than ${MAX_SUB_WORKFLOW_DEPTH}`, 'WorkflowStepError');
        const child = await actions('30s').loadSubWorkflow({ definitionId: node.workflow, ownerId: run.ownerId });
        const input = (await local.renderValue({ value: node.input ?? {}, scope: scope(locals) })) as Record<string, unknown>;
        s.input = { definitionId: child.definitionId, version: child.version, input };
        const parent = workflowInfo().workflowId.replace(/[^A-Za-z0-9-]/g, '-');
        const result = await executeChild(declarativeRunWorkflow, {
          workflowId: declarativeRunWorkflowId(child.definitionId, `${parent}-${node.id}-${s.iterations}`),
          args: [{ ...child, ownerId: run.ownerId, input, trigger: 'sub-workflow', depth }],
        });
        return { output: result };
      }
    }
  }

  /** A tool node: the registry resolves the call, an approval child if the tool needs one, then a toolRun child. */
  async function runTool(node: ToolAction, s: StepState, locals: Record<string, unknown>): Promise<unknown> {
    const key = `${workflowInfo().workflowId}:${node.id}:${s.iterations}`;
    const call = await actions('30s').prepareToolCall({ tool: node.tool, arguments: node.arguments, scope: scope(locals), ownerId: run.ownerId, key });
    s.input = { tool: call.tool.name, version: call.tool.version, runId: call.runId, input: call.input };
    if (call.approvalId) {
      s.status = 'waiting';
      const outcome = await executeChild<(i: unknown) => Promise<ApprovalOutcome>>(APPROVAL_WORKFLOW, {
        workflowId: approvalWorkflowId(call.approvalId),
        args: [{ requestId: call.approvalId, kind: 'tool-run', subject: { title: `Run tool ${call.tool.name}`, details: { tool: call.tool.name, input: call.input, workflowRun: workflowInfo().workflowId, step: node.id } }, requesterId: run.ownerId, deciders: TOOL_APPROVAL_DECIDERS, timeout: 'PT1H' }],
      });
      s.status = 'running';
      if (outcome.status !== 'approved') {
        await toolBookkeeping.recordToolRun({ runId: call.runId, status: 'failed', latencyMs: 0, costUsd: '0', cached: false, error: { type: 'ApprovalRejected', message: `the call was ${outcome.status} by an approver` } });
        throw ApplicationFailure.nonRetryable(`tool ${call.tool.name}: the call was ${outcome.status} by an approver${outcome.comment ? ` (${outcome.comment})` : ''}`, 'ToolCallRejected');
      }
    }
    const r = await executeChild<(i: unknown) => Promise<ToolRunResult>>(TOOL_RUN_WORKFLOW, {
      workflowId: call.workflowId,
      args: [{ runId: call.runId, userId: run.ownerId, tool: call.tool, input: call.input }],
      typedSearchAttributes: [
        { key: SA.kind, value: 'tool-run' },
        { key: SA.userId, value: run.ownerId },
        { key: SA.status, value: 'running' },
      ],
    });
    return { result: r.result, runId: r.runId, version: call.tool.version, cached: r.cached, costUsd: r.costUsd };
  }

  async function runParallel(node: Extract<WorkflowNode, { type: 'parallel' }>, locals: Record<string, unknown>): Promise<{ stop?: Stop; output: unknown }> {
    const total = node.branches.length;
    const need = node.join === 'any' ? 1 : node.join === 'n' ? Math.min(node.count ?? total, total) : total;
    const scopes = node.branches.map(() => new CancellationScope());
    const finished: number[] = [];
    const stops: Stop[] = [];
    let failure: unknown;
    const branches = node.branches.map((b, k) =>
      scopes[k].run(() => runList(b.nodes, { ...locals, branch: k })).then(
        (stop) => void (finished.push(k), stops.push(stop)),
        (err: unknown) => void (failure ??= err),
      ),
    );
    // A cancel of the run reaches the branches through their scopes; wait for them to wind down.
    let cancelled: unknown;
    try {
      await condition(() => finished.length >= need || failure !== undefined);
    } catch (err) {
      if (!isCancellation(err)) throw err;
      cancelled = err;
    }
    // The join is met (or a branch failed): the branches still running are not needed any more.
    for (const [k, sc] of scopes.entries()) if (!finished.includes(k)) sc.cancel();
    await Promise.all(branches);
    if (cancelled !== undefined) throw cancelled;
    if (failure !== undefined && finished.length < need) throw failure;
    const stop = stops.find((x) => x === 'rejected') ?? stops.find((x) => x === 'end');
    return { stop, output: { join: node.join ?? 'all', completed: finished.map((k) => node.branches[k].id ?? `branch-${k}`) } };
  }

  async function runLoop(node: Extract<WorkflowNode, { type: 'loop' }>, s: StepState, locals: Record<string, unknown>) {
    const cap = Math.min(node.max, MAX_LOOP_ITERATIONS);
    const bodyIds = node.do.map((n) => n.id);
    const results: unknown[] = [];
    const capped = () => {
      if (node.onCap === 'stop') return { output: { iterations: results.length, capped: true, results } };
      throw ApplicationFailure.nonRetryable(`loop ${node.id} hit its cap of ${cap} iterations`, 'LoopCapExceeded');
    };
    s.iterations = 0;
    if (node.forEach) {
      const [items] = await evaluate([node.forEach], locals);
      if (!Array.isArray(items)) throw ApplicationFailure.nonRetryable(`loop ${node.id}: forEach gave ${typeof items}, not a list`, 'WorkflowStepError');
      s.input = { items: items.length };
      for (const [index, item] of items.entries()) {
        if (index >= cap) return capped();
        const stop = await runList(node.do, { ...locals, item, index });
        s.iterations = index + 1;
        results.push(Object.fromEntries(bodyIds.map((id) => [id, outputs[id]])));
        if (stop) return { stop, output: { iterations: s.iterations, results } };
      }
    } else {
      for (let index = 0; ; index++) {
        const [go] = await evaluate([node.while!], { ...locals, index });
        if (!go) break;
        if (index >= cap) return capped();
        const stop = await runList(node.do, { ...locals, index });
        s.iterations = index + 1;
        results.push(Object.fromEntries(bodyIds.map((id) => [id, outputs[id]])));
        if (stop) return { stop, output: { iterations: s.iterations, results } };
      }
    }
    return { output: { iterations: s.iterations, results } };
  }

  try {
    const stop = await runList(run.spec.nodes, {});
    state.status = stop === 'rejected' ? 'rejected' : 'completed';
    return { status: state.status, outputs };
  } catch (err) {
    state.status = isCancellation(err) ? 'cancelled' : 'failed';
    throw err;
  }
}

/** `until` is an ISO time or one `${{ expression }}`. */
function untilExpression(until: string): string {
  const m = /^\$\{\{([\s\S]+)\}\}$/.exec(until.trim());
  return m ? m[1].trim() : JSON.stringify(until);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

function durationMs(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2]] : 30_000;
}
