import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { WorkflowFailedError, WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { configuredProviderNames } from '../../shared/llm/provider.factory';
import { AppConfig } from '../../shared/config/app-config';
import { defaultModelId, ProviderName } from '../../shared/domain/model-registry';
import { currentRequestId } from '../../shared/observability/request-context';
import { Message, MessageRole } from '../../shared/persistence/entities';
import { SA } from '../../temporal/search-attributes';
import { TemporalClient } from '../../temporal/temporal-client.module';
import {
  approveSignal,
  DECLARATIVE_RUN_WORKFLOW,
  DeclarativeRunInput,
  declarativeRunKind,
  declarativeRunWorkflowId,
  namedSignal,
  pauseSignal,
  rejectSignal,
  resumeSignal,
  stateQuery,
} from '../../workflows/declarative-run/declarative-run.contract';
import { summarizeConversationWorkflowId } from '../../workflows/summarize-conversation/summarize-conversation.contract';
import { PolicyService } from '../admin/policy.service';
import type { Principal } from '../common/auth/principal';
import { MAX_PAGE_SIZE } from '../common/pagination/cursor-page';
import { ProblemException, Problems } from '../common/problem/problem.exception';
import { ConversationAccess } from '../conversations/conversation-access.service';
import type { CodeWorkflow, CodeWorkflowDeps, CodeWorkflowStart } from './code-workflows.registry';
import { checkInput } from './workflow-input';
import { isAdmin, OwnedDefinition, WorkflowsService } from './workflows.service';

const Status = temporal.api.enums.v1.WorkflowExecutionStatus;
const EXECUTION_ID = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,200}$/;

/** Runs of workflows: start, list and inspect (from Temporal, never a copy), and steer. */
@Injectable()
export class WorkflowExecutionsService {
  private readonly configured: ReadonlySet<ProviderName>;

  constructor(
    private readonly definitions: WorkflowsService,
    private readonly temporal: TemporalClient,
    private readonly em: EntityManager,
    private readonly conversations: ConversationAccess,
    private readonly policies: PolicyService,
    config: AppConfig,
  ) {
    this.configured = configuredProviderNames(config);
  }

  async execute(p: Principal, id: string, input: Record<string, unknown> = {}) {
    const code = this.definitions.codeEntry(id);
    if (code) {
      await this.policies.check(p, 'workflow.execute', { type: 'workflow', id });
      return this.executeCode(p, code, input);
    }
    const owned = await this.definitions.owned(p, id);
    // After the access check: a workflow the caller may not see stays a 404, not a policy answer.
    await this.policies.check(p, 'workflow.execute', { type: 'workflow', id: owned.definition.id });
    return this.start(owned, input, 'manual');
  }

  /** POST /workflows/:id/webhook: HMAC-SHA256 of the raw body, hex, in x-gateway-signature (`sha256=` optional). */
  async webhook(id: string, rawBody: Buffer | undefined, signature: string | undefined, body: unknown) {
    const owned = await this.definitions.forWebhook(id);
    if (!owned) throw Problems.notFound('Workflow webhook');
    const expected = createHmac('sha256', owned.secret).update(rawBody ?? Buffer.alloc(0)).digest();
    const given = Buffer.from((signature ?? '').replace(/^sha256=/, ''), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw Problems.unauthorized('The webhook signature does not match the body');
    const input = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    return this.start(owned, input, 'webhook');
  }

  async list(p: Principal, id: string, limit: number, cursor?: string) {
    const { query } = await this.scope(p, id);
    let nextPageToken: Uint8Array | undefined;
    try {
      nextPageToken = cursor ? Buffer.from(cursor, 'base64url') : undefined;
    } catch {
      throw Problems.badRequest('cursor is not a cursor returned by this API');
    }
    const res = await this.temporal.workflowService
      .listWorkflowExecutions({ namespace: this.temporal.options.namespace, query, pageSize: Math.min(limit, MAX_PAGE_SIZE), nextPageToken })
      .catch((err: Error) => {
        throw Problems.badRequest('cursor is not a cursor returned by this API', [{ field: 'cursor', message: err.message }]);
      });
    const items = (res.executions ?? []).map((e) => ({
      executionId: this.executionIdOf(id, e.execution?.workflowId ?? ''),
      workflowId: e.execution?.workflowId,
      status: statusName(e.status),
      startedAt: tsToIso(e.startTime),
      closedAt: tsToIso(e.closeTime),
    }));
    const token = res.nextPageToken?.length ? Buffer.from(res.nextPageToken).toString('base64url') : null;
    return { items, nextCursor: token };
  }

  /** Status, input, result or failure from Temporal; per-step states from the interpreter's query. */
  async detail(p: Principal, id: string, executionId: string) {
    const handle = await this.handle(p, id, executionId);
    const desc = await handle.describe();
    const status = desc.status.name.toLowerCase();
    const base = { executionId, workflowId: desc.workflowId, workflowType: desc.type, status, startedAt: desc.startTime.toISOString(), closedAt: desc.closeTime?.toISOString() ?? null };
    let outcome: Record<string, unknown> = {};
    if (status === 'completed') outcome = { result: await handle.result() };
    else if (status !== 'running') outcome = { error: await handle.result().then(() => undefined, (err: unknown) => failureMessage(err)) };
    if (desc.type !== DECLARATIVE_RUN_WORKFLOW) return { ...base, ...outcome };
    const state = await handle.query(stateQuery);
    return { ...base, ...outcome, definitionVersion: state.version, runStatus: state.status, input: state.input, steps: state.steps };
  }

  async signal(p: Principal, id: string, executionId: string, action: 'pause' | 'resume' | 'cancel' | 'approve' | 'reject' | 'signal', arg?: unknown) {
    const handle = await this.handle(p, id, executionId, true);
    if (action === 'cancel') await handle.cancel();
    else if (action === 'pause') await handle.signal(pauseSignal);
    else if (action === 'resume') await handle.signal(resumeSignal);
    else if (action === 'approve') await handle.signal(approveSignal, { by: p.email, ...(arg as object) });
    else if (action === 'reject') await handle.signal(rejectSignal, { by: p.email, ...(arg as object) });
    else await handle.signal(namedSignal, arg as { name: string; payload?: unknown });
    return { executionId, accepted: action };
  }

  private async start(owned: OwnedDefinition, input: Record<string, unknown>, trigger: 'manual' | 'webhook') {
    const { definition, version } = owned;
    const errors = checkInput(version.spec, input);
    if (errors.length) throw Problems.validation(errors);
    const executionId = randomUUID();
    const run: DeclarativeRunInput = { definitionId: definition.id, version: version.version, ownerId: definition.owner.id, spec: version.spec, input, trigger };
    const requestId = currentRequestId();
    await this.temporal.workflow.start(DECLARATIVE_RUN_WORKFLOW, {
      workflowId: declarativeRunWorkflowId(definition.id, executionId),
      taskQueue: this.temporal.queue('background'),
      args: [run],
      typedSearchAttributes: [
        { key: SA.kind, value: declarativeRunKind(definition.id) },
        { key: SA.userId, value: definition.owner.id },
        ...(requestId ? [{ key: SA.requestId, value: requestId }] : []),
      ],
    });
    return { executionId, workflowId: declarativeRunWorkflowId(definition.id, executionId), version: version.version, status: 'running' };
  }

  private async executeCode(p: Principal, code: CodeWorkflow, input: Record<string, unknown>) {
    const errors = checkInput({ input: code.inputSchema }, input);
    if (errors.length) throw Problems.validation(errors);
    const start = await code.prepare(p, input, this.codeDeps);
    const requestId = currentRequestId();
    try {
      await this.temporal.workflow.start(code.workflowType, {
        workflowId: start.workflowId,
        taskQueue: this.temporal.queue(code.queue),
        args: start.args,
        typedSearchAttributes: [
          { key: SA.kind, value: `code:${code.name}` },
          { key: SA.userId, value: p.userId },
          ...(start.conversationId ? [{ key: SA.conversationId, value: start.conversationId }] : []),
          ...(start.model ? [{ key: SA.model, value: start.model }] : []),
          ...(requestId ? [{ key: SA.requestId, value: requestId }] : []),
        ],
      });
    } catch (err) {
      // Business ids make starts idempotent: the same start is the run already going.
      if ((err as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw err;
    }
    return { executionId: start.workflowId, workflowId: start.workflowId, status: 'running' };
  }

  private readonly codeDeps: CodeWorkflowDeps = {
    summarizeStart: async (p: Principal, conversationId: string): Promise<CodeWorkflowStart> => {
      const conversation = await this.conversations.owned(p, conversationId);
      const last = await this.em.findOne(Message, { conversation, deletedAt: null, role: { $in: [MessageRole.User, MessageRole.Assistant] } }, { orderBy: { createdAt: 'desc', id: 'desc' } });
      if (!last) throw Problems.conflict('The conversation has no messages to summarize');
      const model = conversation.model ?? defaultModelId(this.configured);
      return { workflowId: summarizeConversationWorkflowId(conversationId, last.id), args: [{ conversationId, userId: p.userId, lastMessageId: last.id, model, requestId: currentRequestId() }], conversationId, model };
    },
  };

  /** The visibility query for the runs the caller may see of this workflow. */
  private async scope(p: Principal, id: string): Promise<{ query: string }> {
    const code = this.definitions.codeEntry(id);
    if (code) return { query: `${SA.kind.name} = "code:${code.name}"${isAdmin(p) ? '' : ` AND ${SA.userId.name} = "${p.userId}"`}` };
    const { definition } = await this.definitions.owned(p, id);
    return { query: `${SA.kind.name} = "${declarativeRunKind(definition.id)}"` };
  }

  private executionIdOf(id: string, workflowId: string): string {
    const prefix = declarativeRunWorkflowId(id, '');
    return workflowId.startsWith(prefix) ? workflowId.slice(prefix.length) : workflowId;
  }

  /** A run of this workflow the caller may see; 404 for anything else (including someone else's run). */
  private async handle(p: Principal, id: string, executionId: string, mustRun = false): Promise<WorkflowHandle> {
    if (!EXECUTION_ID.test(executionId)) throw Problems.validation([{ field: 'eid', message: 'eid is not an execution id' }]);
    const code = this.definitions.codeEntry(id);
    let workflowId: string;
    if (code) workflowId = executionId;
    else workflowId = declarativeRunWorkflowId((await this.definitions.owned(p, id)).definition.id, executionId);
    const handle = this.temporal.workflow.getHandle(workflowId);
    let desc;
    try {
      desc = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw Problems.notFound('Execution');
      throw err;
    }
    const owner = desc.typedSearchAttributes.get(SA.userId);
    const kind = desc.typedSearchAttributes.get(SA.kind);
    if (code && (kind !== `code:${code.name}` || (!isAdmin(p) && owner !== p.userId))) throw Problems.notFound('Execution');
    if (mustRun && desc.status.name !== 'RUNNING') throw Problems.conflict(`The execution is ${desc.status.name.toLowerCase()}`);
    return handle;
  }
}

function statusName(status: number | null | undefined): string {
  const name = status ? Status[status] : undefined;
  return name ? name.replace('WORKFLOW_EXECUTION_STATUS_', '').toLowerCase() : 'unknown';
}

function tsToIso(ts: { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined): string | null {
  if (!ts?.seconds) return null;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

function failureMessage(err: unknown): string {
  if (err instanceof WorkflowFailedError) {
    const cause = err.cause as (Error & { cause?: Error }) | undefined;
    return cause?.cause?.message ?? cause?.message ?? err.message;
  }
  return err instanceof ProblemException ? String(err.detail) : (err as Error).message;
}
