import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { DEPENDENCY_RETRY_AFTER_SECONDS } from '../../shared/errors/dependency-errors';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import Redis from 'ioredis';
import { ChatTurn, Conversation, Message, MessageRole, TurnStatus, UsageRecord } from '../../shared/persistence/entities';
import { Permission } from '../../shared/domain/roles';
import { currentRequestId } from '../../shared/observability/request-context';
import { InjectRedis } from '../../shared/redis/redis.module';
import { encodeTurnEvent, turnStreamKey, TurnEvent } from '../../shared/streams/turn-events';
import { ABORTS_CHANNEL } from '../../shared/streams/turn-handoff';
import { SA } from '../../temporal/search-attributes';
import { TemporalClient } from '../../temporal/temporal-client.module';
import type { chatTurnWorkflow } from '../../workflows';
import { CHAT_TURN_WORKFLOW, chatTurnWorkflowId, ChatTurnInput, type ChatTurnResult } from '../../workflows/chat-turn/chat-turn.contract';
import { settleTurnBilling } from '../../shared/billing/turn-billing';
import { BudgetService } from '../billing/budget.service';
import { estimateTurnCostUsd } from '../../shared/policies/cost-estimate';
import { hasAttachedFiles } from '../../shared/files/chunk-retrieval';
import { PolicyService } from '../admin/policy.service';
import { ToolsService } from '../tools/tools.service';
import { hasPermission, type Principal } from '../common/auth/principal';
import { ProblemException, Problems } from '../common/problem/problem.exception';
import { ChatModels } from './chat-models.service';
import { FirstStepStreamer } from './first-step-streamer.service';
import { insertTurnRows } from './turn-start.repository';
import type { ChatRequestDto, ChatTurnDto } from './dto/chat.dto';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** Chat turns: the rules (ownership, idempotency, model choice) and the workflow start. */
@Injectable()
export class ChatService {
  private readonly log = new Logger(ChatService.name);
  /** Workflow starts not awaited by the streaming path (the provider call already runs). */
  private readonly pendingStarts = new Map<string, Promise<unknown>>();

  constructor(
    private readonly em: EntityManager,
    private readonly temporal: TemporalClient,
    private readonly models: ChatModels,
    @InjectRedis() private readonly redis: Redis,
    private readonly budgets: BudgetService,
    private readonly policies: PolicyService,
    private readonly tools: ToolsService,
    private readonly firstStep: FirstStepStreamer,
  ) {}

  /** Starts a turn, or returns the one this idempotency key already started. */
  async startTurn(principal: Principal, dto: ChatRequestDto, idempotencyKey?: string): Promise<ChatTurn> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw Problems.badRequest('Idempotency-Key must be 1-200 visible ASCII characters', [{ field: 'Idempotency-Key', message: 'invalid' }]);
    }
    if (idempotencyKey) {
      const existing = await this.em.findOne(ChatTurn, { user: principal.userId, idempotencyKey });
      // (A repeat never fails the turn when the start fails: its workflow may well run; the sweeper decides.)
      if (existing) return this.ensureStarted(existing);
    }
    const conversation = dto.conversationId
      ? await this.ownedConversation(principal, dto.conversationId)
      : this.em.create(Conversation, { owner: principal.userId, title: titleFrom(dto.message) }, { persist: false });
    if (dto.parentMessageId) await this.checkParent(conversation, dto.parentMessageId);
    if (dto.tools?.length) await this.checkTools(principal, dto.tools);
    const model = this.models.resolve(dto.model ?? conversation.model ?? undefined);
    // Access policies (model, estimated cost, role, team, time) before anything is stored or started.
    await this.policies.check(principal, 'chat.turn', { type: 'chat', model, costUsd: estimateTurnCostUsd(model, dto.message, dto.maxTokens) });

    const turnId = randomUUID();
    const userMessage = this.em.create(Message, {
      conversation,
      author: principal.userId,
      role: MessageRole.User,
      content: dto.message,
      parentId: dto.parentMessageId ?? null,
      turnId,
    }, { persist: false });
    const turn = this.em.create(ChatTurn, {
      id: turnId,
      user: principal.userId,
      conversation,
      userMessageId: userMessage.id,
      model,
      idempotencyKey: idempotencyKey ?? null,
    }, { persist: false });
    try {
      const rows = { conversation: dto.conversationId ? undefined : conversation, message: userMessage, turn };
      await this.budgets.storeReserving(this.em, principal, { turnId, model, maxTokens: dto.maxTokens, conversationId: conversation.id, systemPrompt: conversation.systemPrompt }, () => insertTurnRows(this.em, rows));
    } catch (err) {
      // Two requests raced with one key: the loser follows the winner's turn.
      if (idempotencyKey && err instanceof UniqueConstraintViolationException) {
        this.em.clear();
        return this.ensureStarted(await this.em.findOneOrFail(ChatTurn, { user: principal.userId, idempotencyKey }));
      }
      throw err;
    }
    const tools = dto.tools?.length ? { tools: dto.tools, maxToolSteps: this.models.maxToolSteps } : {};
    const options = { maxTokens: dto.maxTokens, temperature: dto.temperature, ...tools };
    // A conversation with attached files: retrieval runs in the worker, which then takes the whole turn.
    const grounded = dto.conversationId ? await hasAttachedFiles(this.em, conversation.id) : false;
    const firstMessage = dto.conversationId ? undefined : dto.message;
    // The `turn` event, and (same round trip) the first provider call starting here: see FirstStepStreamer.
    const announce: TurnEvent = { type: 'turn', data: { turnId: turn.id, conversationId: conversation.id, userMessageId: userMessage.id, model } };
    // From here the turn and its hold are committed: whatever fails before its workflow exists ends
    // the turn and releases the hold (failUnstarted), or, if this process dies, the turn sweeper does.
    let streaming: boolean;
    try {
      streaming = await this.firstStep.begin(turn, { ...options, firstMessage, grounded, upTo: userMessage.createdAt }, announce);
    } catch (err) {
      return this.failUnstarted(turn, err);
    }
    if (!streaming) return this.ensureStarted(turn, options).catch((err: unknown) => this.failUnstarted(turn, err));
    // Streaming already: the client need not wait for the start either (waitFor does).
    const started = this.ensureStarted(turn, { ...options, firstStepFromApi: true }).catch((err: unknown) => this.failUnstarted(turn, err));
    this.pendingStarts.set(turn.id, started);
    void started.finally(() => this.pendingStarts.delete(turn.id)).catch(() => undefined);
    return turn;
  }

  /**
   * The workflow could not be started (Temporal or Redis away): stop the provider call, end the turn
   * and its stream, refund the hold. Best effort: what cannot be recorded now (Postgres away too) the
   * turn sweeper settles later. The driver's message is logged, never sent.
   */
  private async failUnstarted(turn: ChatTurn, err: unknown): Promise<never> {
    this.firstStep.abort(turn.id);
    this.log.warn({ err, turnId: turn.id }, 'chat turn not started; failing it');
    const detail = 'The turn could not be started: a service the gateway depends on is unreachable; retry shortly';
    const ended = await this.em
      .fork()
      .transactional(async (tx) => {
        const won = await tx.nativeUpdate(ChatTurn, { id: turn.id, status: TurnStatus.Running }, { status: TurnStatus.Failed, completedAt: new Date(), error: detail });
        if (won) await settleTurnBilling(tx, { sourceId: turn.id, userId: turn.user.id, costUsd: '0' });
        return won > 0;
      })
      .catch((dbErr: unknown) => {
        this.log.warn({ err: dbErr, turnId: turn.id }, 'could not record the unstarted turn; the sweeper will');
        return false;
      });
    if (ended) await this.appendEvent(turn.id, { type: 'error', data: { status: 503, title: 'Service unavailable', detail } }).catch(() => undefined);
    throw new ProblemException(503, 'Service unavailable', detail, { turnId: turn.id }, { 'Retry-After': String(DEPENDENCY_RETRY_AFTER_SECONDS) });
  }

  /** The caller's turn, or 404 (also when it is someone else's). */
  async ownedTurn(principal: Principal, turnId: string): Promise<ChatTurn> {
    const turn = await this.em.findOne(ChatTurn, { id: turnId, user: principal.userId });
    if (!turn) throw Problems.notFound('Chat turn');
    return turn;
  }

  /** Id and status of the caller's turn, as a plain row (404 as ownedTurn). */
  async ownedTurnState(principal: Principal, turnId: string): Promise<{ id: string; status: TurnStatus }> {
    const [row] = await this.em.getConnection().execute<{ id: string; status: TurnStatus }[]>('select id, status from chat_turns where id = ? and user_id = ?', [turnId, principal.userId]);
    if (!row) throw Problems.notFound('Chat turn');
    return row;
  }

  async cancel(principal: Principal, turnId: string): Promise<ChatTurnDto> {
    const turn = await this.ownedTurn(principal, turnId);
    if (turn.status === TurnStatus.Running) {
      // The provider call stops at once wherever it runs; the workflow then records the cancellation.
      await this.redis.publish(ABORTS_CHANNEL, turn.id);
      await this.pendingStarts.get(turn.id)?.catch(() => undefined);
      await this.temporal.workflow.getHandle(chatTurnWorkflowId(turn.id)).cancel().catch((err: Error) => {
        if (!/not found|already completed/i.test(err.message)) throw err;
      });
    }
    return this.describe(turn);
  }

  /** The turn workflow's result (after its start, which the streaming path does not wait for). */
  async turnResult(turnId: string): Promise<ChatTurnResult> {
    await this.pendingStarts.get(turnId);
    return this.temporal.workflow.getHandle<typeof chatTurnWorkflow>(chatTurnWorkflowId(turnId)).result();
  }

  /** Waits for the workflow to finish, then answers from the system of record. */
  async waitFor(turn: ChatTurn): Promise<ChatTurnDto> {
    const result = await this.turnResult(turn.id);
    // A failed turn answers with the provider's problem (401, 429 + Retry-After, 502, 504).
    if (result.status === 'failed' && result.error) throw turnProblem(turn.id, result.error);
    await this.em.refresh(turn);
    return this.describe(turn);
  }

  async describe(turn: ChatTurn): Promise<ChatTurnDto> {
    const [assistant, usage] = await Promise.all([
      turn.assistantMessageId ? this.em.findOne(Message, turn.assistantMessageId) : null,
      this.em.findOne(UsageRecord, { sourceId: turn.id }),
    ]);
    return {
      turnId: turn.id,
      conversationId: turn.conversation.id,
      userMessageId: turn.userMessageId,
      assistantMessageId: turn.assistantMessageId,
      model: turn.model,
      status: turn.status,
      content: assistant?.content ?? null,
      error: turn.error,
      usage: usage
        ? { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd: usage.costUsd, provider: usage.provider }
        : null,
      createdAt: turn.createdAt.toISOString(),
      completedAt: turn.completedAt?.toISOString() ?? null,
    };
  }

  private async ensureStarted(turn: ChatTurn, options: Pick<ChatTurnInput, 'maxTokens' | 'temperature' | 'tools' | 'maxToolSteps' | 'firstStepFromApi'> = {}): Promise<ChatTurn> {
    if (turn.status !== TurnStatus.Running) return turn;
    const requestId = currentRequestId();
    const input: ChatTurnInput = {
      turnId: turn.id,
      userId: turn.user.id,
      conversationId: turn.conversation.id,
      userMessageId: turn.userMessageId,
      model: turn.model,
      requestId,
      ...options,
    };
    try {
      await this.temporal.workflow.start<typeof chatTurnWorkflow>(CHAT_TURN_WORKFLOW, {
        workflowId: chatTurnWorkflowId(turn.id),
        taskQueue: this.temporal.queue('interactive'),
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: SA.kind, value: 'chat-turn' },
          { key: SA.userId, value: turn.user.id },
          { key: SA.conversationId, value: turn.conversation.id },
          { key: SA.model, value: turn.model },
          { key: SA.status, value: 'running' },
          ...(requestId ? [{ key: SA.requestId, value: requestId }] : []),
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return turn;
  }

  private async appendEvent(turnId: string, event: TurnEvent) {
    const key = turnStreamKey(turnId);
    await this.redis.multi().xadd(key, '*', ...encodeTurnEvent(event)).expire(key, this.models.streamRetentionSeconds).exec();
  }

  /** Tools are refused before anything is stored: 403 without tools:run, 404 for one the caller's role may not see. */
  private async checkTools(principal: Principal, names: string[]) {
    if (!hasPermission(principal, Permission.ToolsRun)) throw Problems.forbidden('Calling tools needs the tools:run permission');
    for (const name of names) await this.tools.visible(principal, name);
  }

  private async ownedConversation(principal: Principal, id: string): Promise<Conversation> {
    const conversation = await this.em.findOne(Conversation, { id, owner: principal.userId, deletedAt: null });
    if (!conversation) throw Problems.notFound('Conversation');
    return conversation;
  }

  private async checkParent(conversation: Conversation, parentId: string) {
    const parent = await this.em.findOne(Message, { id: parentId, conversation, deletedAt: null });
    if (!parent) throw Problems.badRequest('parentMessageId is not a message of this conversation', [{ field: 'parentMessageId', message: 'not found in this conversation' }]);
  }
}

function titleFrom(message: string): string {
  const line = message.trim().split('\n')[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 77)}...` : line || 'New conversation';
}

function turnProblem(turnId: string, error: { status: number; title: string; detail: string; retryAfterSeconds?: number }): ProblemException {
  const retryAfter = error.retryAfterSeconds;
  return new ProblemException(error.status, error.title, error.detail, { turnId }, retryAfter ? { 'Retry-After': String(Math.ceil(retryAfter)) } : {});
}
