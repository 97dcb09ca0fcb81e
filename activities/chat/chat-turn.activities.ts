import { MikroORM } from '@mikro-orm/postgresql';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type Redis from 'ioredis';
import { ChatTurn, Message, MessageRole, ToolRun, TurnStatus, UsageRecord, type MessageCitation } from '../../shared/persistence/entities';
import type { TurnUsage } from '../../shared/streams/turn-events';
import type { TurnDraft } from '../../shared/streams/turn-handoff';
import { addUsd, CANCELLED_REPLY, DEFAULT_MAX_TOOL_STEPS, INTERNAL_TURN_PROBLEM, UNAVAILABLE_TURN_PROBLEM, type FinishTurnInput, type GenerateReplyInput, type GenerateReplyResult, type PlannedToolCall, type StepUsage, type ToolOutcome } from '../../workflows/chat-turn/chat-turn.contract';
import { settleTurnBilling } from '../../shared/billing/turn-billing';
import { loadTurnContext, turnQuestion } from '../../shared/chat/turn-context';
import { markCited } from '../../shared/chat/turn-grounding';
import { retrieveChunks, type SemanticIndex } from '../../shared/files/chunk-retrieval';
import { capReply } from '../../shared/chat/reply-cap';
import { isDependencyDown } from '../../shared/errors/dependency-errors';
import { costUsd } from '../../shared/chat/cost';
import type { ToolCall } from '../../shared/llm/provider.types';
import { isInternalFailure, type ClassifiedProviderError, type ReplyCandidate, type ReplyProviders } from '../../shared/chat/reply-provider';
import { TurnHandoffWaiter } from './turn-handoff-waiter';
import { TurnStreamWriter } from './turn-stream-writer';
import { eventResult, loadTurnTools, planToolCalls, stepMessageId, toolDefinitions, toolMessageId, toolMessageText, type TurnTool } from './turn-tools';

export interface ChatActivityDeps {
  orm: MikroORM;
  redis: Redis;
  providers: ReplyProviders;
  /** Adopts a first step an API process streamed itself (absent: the activity always calls the provider). */
  handoff?: TurnHandoffWaiter;
  streamRetentionSeconds: number;
  defaultMaxTokens: number;
  /** Vectors of attached files' chunks (absent: retrieval over files is lexical only). */
  semantic?: SemanticIndex;
}

const HEARTBEAT_EVERY_MS = 1000;
const MAX_INLINE_RETRY_AFTER_S = 5;
const CANCEL_ARRIVAL_WAIT_MS = 15_000;

interface Produced {
  text: string;
  candidate: ReplyCandidate;
  inputTokens: number;
  outputTokens: number;
  finishReason: string;
  /** The attached files' excerpts this reply was given. */
  citations?: MessageCitation[];
}

/** How the activity fails for a provider error: retried here (short Retry-After) or handed to the client. */
function providerFailure(problem: ClassifiedProviderError): ApplicationFailure {
  // A user is waiting: a long Retry-After goes back to the client rather than stalling the turn.
  const retryHere = problem.retryable && (problem.retryAfterSeconds ?? 0) <= MAX_INLINE_RETRY_AFTER_S;
  return retryHere
    ? ApplicationFailure.create({ message: problem.detail, type: problem.type, details: [problem], nextRetryDelay: problem.retryAfterSeconds ? `${problem.retryAfterSeconds}s` : undefined })
    : ApplicationFailure.nonRetryable(problem.detail, problem.type, problem);
}

/**
 * What the workflow reports for a failure that is not the provider's (those are ApplicationFailures
 * already): Redis, Postgres or a bug. Retryable; the client sees a generic problem, the driver's text
 * stays in the failure message for operators.
 */
function internalFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure) return err;
  const down = isDependencyDown(err);
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({
    message,
    type: down ? 'DependencyUnavailable' : 'InternalError',
    details: [down ? UNAVAILABLE_TURN_PROBLEM : INTERNAL_TURN_PROBLEM],
    cause: err instanceof Error ? err : undefined,
  });
}

/** How long a produced reply waits for Postgres to come back before the attempt fails. */
const PERSIST_OUTAGE_MS = 30_000;

/**
 * Runs `write` again while its dependency is unreachable (heartbeating, at most PERSIST_OUTAGE_MS):
 * a reply already produced and streamed is not thrown away because Postgres blinked.
 */
async function riding<T>(ctx: Context, write: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + PERSIST_OUTAGE_MS;
  for (;;) {
    try {
      return await write();
    } catch (err) {
      if (!isDependencyDown(err) || Date.now() > deadline || ctx.cancellationSignal.aborted) throw err;
      heartbeat(ctx, { waiting: 'postgres' });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** A local activity (the adopted first step) is kept alive by its workflow task, not by heartbeats. */
function heartbeat(ctx: Context, details: unknown) {
  if (!ctx.info.isLocal) ctx.heartbeat(details);
}

/** Waits for an API process's first-step draft, heartbeating (the holder may stream for minutes). */
async function waitForDraft(handoff: TurnHandoffWaiter, turnId: string, ctx: Context): Promise<TurnDraft | null> {
  const beat = setInterval(() => heartbeat(ctx, { waiting: 'api-stream' }), HEARTBEAT_EVERY_MS);
  try {
    return await handoff.wait(turnId, ctx.cancellationSignal);
  } finally {
    clearInterval(beat);
  }
}

/**
 * The cancel route stops the provider (through Redis) and cancels the workflow; the latter reaches
 * this activity with its next heartbeat. Waits for it, so the workflow sees a real cancellation.
 */
async function cancellationArrives(ctx: Context): Promise<void> {
  const beat = setInterval(() => heartbeat(ctx, { cancelled: true }), HEARTBEAT_EVERY_MS);
  try {
    await Promise.race([ctx.cancelled, new Promise((r) => setTimeout(r, CANCEL_ARRIVAL_WAIT_MS))]);
  } catch {
    // the cancellation itself
  } finally {
    clearInterval(beat);
  }
}

export function createChatActivities(deps: ChatActivityDeps) {
  /** Records the outcome once: only the transition out of `running` wins. */
  async function persist(turn: ChatTurn, status: TurnStatus, text: string | null, usage?: TurnUsage, error?: string, citations?: MessageCitation[]) {
    const em = deps.orm.em.fork();
    return em.transactional(async (tx) => {
      const messageId = text ? crypto.randomUUID() : null;
      const won = await tx.nativeUpdate(
        ChatTurn,
        { id: turn.id, status: TurnStatus.Running },
        { status, assistantMessageId: messageId, completedAt: new Date(), error: error ?? null },
      );
      if (won === 0) return { won: false, current: await tx.findOneOrFail(ChatTurn, turn.id) };
      if (messageId !== null) {
        tx.create(Message, {
          id: messageId,
          conversation: turn.conversation.id,
          role: MessageRole.Assistant,
          content: text!,
          turnId: turn.id,
          model: usage?.model ?? turn.model,
          citations: citations?.length ? citations : null,
        });
      }
      if (usage) {
        tx.create(UsageRecord, {
          sourceId: turn.id,
          kind: 'chat-turn',
          user: turn.user.id,
          conversationId: turn.conversation.id,
          model: usage.model,
          provider: usage.provider,
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          costUsd: usage.costUsd,
        });
      }
      await settleTurnBilling(tx, { sourceId: turn.id, userId: turn.user.id, costUsd: usage?.costUsd ?? '0' });
      await tx.flush();
      // The winner knows what it wrote: no read back.
      return { won: true, current: { assistantMessageId: messageId } };
    });
  }

  /**
   * Records a tool step: the assistant message with its calls and a running tool_runs row per runnable
   * call, once (ids derive from turn and step), then announces each call on the stream.
   */
  async function recordToolStep(turn: ChatTurn, step: number, text: string, calls: ToolCall[], planned: PlannedToolCall[], model: string, stream: TurnStreamWriter) {
    const em = deps.orm.em.fork();
    const id = stepMessageId(turn.id, step);
    const fresh = await em.transactional(async (tx) => {
      if (await tx.count(Message, { id })) return false;
      tx.create(Message, { id, conversation: turn.conversation.id, role: MessageRole.Assistant, content: text, turnId: turn.id, model, toolCalls: calls });
      for (const p of planned) {
        if (p.tool) tx.create(ToolRun, { id: p.runId, toolName: p.name, toolVersion: p.tool.version, user: turn.user.id, workflowId: p.workflowId });
      }
      return true;
    });
    if (!fresh) return;
    for (const p of planned) {
      await stream.append({ type: 'tool', data: { phase: 'call', callId: p.callId, name: p.name, arguments: calls[p.index].arguments, runId: p.tool ? p.runId : null } });
    }
  }

  /** A step an earlier attempt already recorded: its calls again, without asking the model twice. */
  async function recordedToolStep(turn: ChatTurn, step: number, tools: Map<string, TurnTool>): Promise<PlannedToolCall[] | undefined> {
    const msg = await deps.orm.em.fork().findOne(Message, stepMessageId(turn.id, step));
    return msg?.toolCalls ? planToolCalls(turn.id, turn.user.id, step, msg.toolCalls, tools) : undefined;
  }

  /** What an earlier attempt recorded for a completed turn: the activity result and the `done` usage. */
  async function recorded(turnId: string): Promise<{ result: GenerateReplyResult; usage: TurnUsage }> {
    const em = deps.orm.em.fork();
    const turn = await em.findOneOrFail(ChatTurn, turnId);
    const u = await em.findOne(UsageRecord, { sourceId: turnId });
    const usage: TurnUsage = {
      inputTokens: u?.inputTokens ?? 0,
      outputTokens: u?.outputTokens ?? 0,
      costUsd: u?.costUsd ?? '0.00000000',
      provider: u?.provider ?? 'unknown',
      model: u?.model ?? turn.model,
    };
    const { inputTokens, outputTokens, costUsd: cost, provider } = usage;
    return { result: { assistantMessageId: turn.assistantMessageId ?? '', provider, finishReason: 'stop', inputTokens, outputTokens, costUsd: cost }, usage };
  }

  /** This call's usage, plus the earlier steps' of the turn (one usage row per turn). */
  function usageOf(p: Produced, prior?: StepUsage): TurnUsage {
    const cost = costUsd(p.inputTokens, p.outputTokens, p.candidate.inputPricePerMTok, p.candidate.outputPricePerMTok);
    return {
      inputTokens: p.inputTokens + (prior?.inputTokens ?? 0),
      outputTokens: p.outputTokens + (prior?.outputTokens ?? 0),
      costUsd: prior ? addUsd(cost, prior.costUsd) : cost,
      provider: p.candidate.provider,
      model: p.candidate.model,
    };
  }

  /**
   * Streams the reply into the turn's Redis stream and records it, exactly once per turn.
   * A retry (worker died) or a fallback first emits `reset`, then restarts the text.
   */
  async function generateReply(input: GenerateReplyInput): Promise<GenerateReplyResult> {
      const ctx = Context.current();
      const em = deps.orm.em.fork();
      const turn = await em.findOne(ChatTurn, input.turnId, { populate: ['conversation'] });
      if (!turn) throw ApplicationFailure.nonRetryable(`chat turn ${input.turnId} does not exist`, 'TurnNotFoundError');
      const stream = new TurnStreamWriter(deps.redis, turn.id, deps.streamRetentionSeconds);

      if (turn.status === TurnStatus.Completed) {
        // An earlier attempt recorded the reply but its stream did not end: which of its tokens
        // reached Redis is unknown (a write may have failed), so the stream restarts from the stored text.
        const { result, usage } = await recorded(turn.id);
        if (!(await stream.hasTerminalEvent())) {
          const msg = await em.findOne(Message, result.assistantMessageId);
          const content = msg?.content ?? '';
          if (await stream.hasTokens()) await stream.append({ type: 'reset', data: { attempt: ctx.info.attempt, reason: 'retry' } });
          if (content) stream.token(content);
          await stream.append({ type: 'done', data: { messageId: result.assistantMessageId, content, finishReason: 'stop', usage, ...(msg?.citations ? { citations: msg.citations } : {}) } });
        }
        return result;
      }
      if (turn.status !== TurnStatus.Running) throw ApplicationFailure.nonRetryable(`chat turn is ${turn.status}`, 'TurnNotFoundError');
      const step = input.step ?? 0;
      const tools = await loadTurnTools(em, input.tools);
      const replayed = step >= 0 && tools.size ? await recordedToolStep(turn, step, tools) : undefined;
      if (replayed) return { assistantMessageId: stepMessageId(turn.id, step), provider: 'recorded', finishReason: 'tool_calls', inputTokens: 0, outputTokens: 0, costUsd: '0', toolCalls: replayed };
      const maxTokens = input.maxTokens ?? deps.defaultMaxTokens;
      const candidates = deps.providers.candidates(turn.model);
      let produced: Produced | undefined;
      let text = '';
      let calls: ToolCall[] = [];
      let startAt = 0;
      let resetReason = ctx.info.attempt > 1 ? 'retry' : undefined;

      // An API process may have streamed the first step itself: adopt its draft, or take over.
      const adopting = step === 0 && !!deps.handoff;
      const draft = adopting ? await waitForDraft(deps.handoff!, turn.id, ctx) : null;
      if (draft?.status === 'cancelled') {
        const { won, current } = await persist(turn, TurnStatus.Cancelled, draft.text);
        if (won) await stream.append({ type: 'cancelled', data: { messageId: current.assistantMessageId } });
        // A local activity cannot learn of the workflow's cancellation while it runs: it says so instead.
        if (ctx.info.isLocal) return { assistantMessageId: current.assistantMessageId ?? '', provider: 'none', finishReason: CANCELLED_REPLY, inputTokens: 0, outputTokens: 0, costUsd: '0' };
        await cancellationArrives(ctx);
        throw new CancelledFailure('chat turn cancelled');
      }
      if (draft?.status === 'complete' && candidates[draft.candidateIndex]) {
        const { text: t, inputTokens, outputTokens, finishReason } = draft;
        produced = { text: t, candidate: candidates[draft.candidateIndex], inputTokens, outputTokens, finishReason };
      } else if (draft?.status === 'failed' && draft.problem && ctx.info.attempt === 1) {
        // (A retry calls the provider again rather than repeating the holder's failure.)
        const problem = draft.problem as ClassifiedProviderError;
        if (!(problem.retryable && draft.candidateIndex < candidates.length - 1)) throw providerFailure(problem);
        startAt = draft.candidateIndex + 1;
        resetReason = `fallback:${candidates[startAt].model}`;
      }
      // The holder gave the turn up without a draft (died, lost Redis): always reset, whatever the
      // attempt, since it may have shown its own clients tokens that Redis never stored.
      // Only a turn whose first step an API process took on had a holder (tool turns never do).
      const holderGone = adopting && input.firstStepFromApi === true && draft === null;
      if (holderGone) resetReason ??= 'takeover';
      if (!produced && resetReason && (holderGone || (await stream.hasTokens()))) {
        await stream.append({ type: 'reset', data: { attempt: ctx.info.attempt, reason: resetReason } });
      }

      const offered = tools.size ? toolDefinitions(tools) : undefined;
      // Files attached to the conversation: the excerpts relevant to the user's message, once per attempt.
      const chunks = produced
        ? []
        : await retrieveChunks(em, deps.semantic, turn.conversation.id, () => turnQuestion(em, turn), {
            onSemanticFailure: (err) => ctx.log.warn('semantic retrieval failed; lexical only', { error: err instanceof Error ? err.message : String(err) }),
          });
      for (let i = startAt; i < candidates.length && !produced; i++) {
        const candidate = candidates[i];
        text = '';
        let inputTokens = 0;
        let outputTokens = 0;
        let finishReason = 'stop';
        calls = [];
        // On a timer, not per token: a provider may be silent for long (queueing, long prompts, reasoning)
        // and the heartbeat timeout must not take that for a dead worker.
        const beat = setInterval(() => heartbeat(ctx, { chars: text.length, provider: candidate.provider }), HEARTBEAT_EVERY_MS);
        try {
          const { messages, citations } = await loadTurnContext(deps.orm.em.fork(), turn, candidate.contextTokens, maxTokens, chunks);
          for await (const ev of capReply(candidate.stream({ messages, maxTokens, temperature: input.temperature, tools: offered }, ctx.cancellationSignal), maxTokens, messages)) {
            if (ev.type === 'text') {
              if (!ev.delta) continue;
              text += ev.delta;
              stream.token(ev.delta);
            } else if (ev.type === 'usage') {
              inputTokens = ev.inputTokens;
              outputTokens = ev.outputTokens;
            } else if (ev.type === 'finish') {
              finishReason = ev.reason;
            } else if (ev.type === 'tool_call') {
              calls.push(ev.call);
            }
          }
          produced = { text, candidate, inputTokens, outputTokens, finishReason, citations: markCited(citations, text) };
        } catch (err) {
          if (ctx.cancellationSignal.aborted) {
            const { won, current } = await persist(turn, TurnStatus.Cancelled, text);
            if (won) await stream.append({ type: 'cancelled', data: { messageId: current.assistantMessageId } });
            throw new CancelledFailure('chat turn cancelled');
          }
          const problem = deps.providers.classify(err);
          // Redis, Postgres or a bug: not a reason to fall back to another model (the retry resets).
          if (isInternalFailure(problem)) throw err;
          ctx.log.warn('provider failed', { provider: candidate.provider, model: candidate.model, ...problem });
          if (problem.retryable && i < candidates.length - 1) {
            if (text) await stream.append({ type: 'reset', data: { attempt: ctx.info.attempt, reason: `fallback:${candidates[i + 1].model}` } });
            continue;
          }
          throw providerFailure(problem);
        } finally {
          clearInterval(beat);
        }
      }
      if (!produced) throw ApplicationFailure.nonRetryable(`no provider is configured for model ${turn.model}`, 'ProviderBadRequestError', { status: 400, title: 'Unknown model', detail: `No provider serves ${turn.model}` });

      if (calls.length) {
        // The model wants tools: record the step and hand the calls to the workflow; no reply yet.
        const planned = planToolCalls(turn.id, turn.user.id, step, calls, tools);
        // Past the step limit the workflow ends the turn: keep the message, start nothing.
        const runnable = step < (input.maxToolSteps ?? DEFAULT_MAX_TOOL_STEPS) ? planned : [];
        await recordToolStep(turn, step, produced.text, calls, runnable, produced.candidate.model, stream);
        const own = usageOf(produced);
        return { assistantMessageId: stepMessageId(turn.id, step), provider: own.provider, model: own.model, finishReason: 'tool_calls', inputTokens: own.inputTokens, outputTokens: own.outputTokens, costUsd: own.costUsd, toolCalls: planned };
      }
      const usage = usageOf(produced, input.usageSoFar);
      // Every token must be in the stream before the reply is recorded: a failed write fails this
      // attempt, and the retry resets and streams the reply again (the turn is still running).
      await stream.flush();
      const citations = produced.citations?.length ? produced.citations : undefined;
      const { won, current } = await riding(ctx, () => persist(turn, TurnStatus.Completed, produced.text, usage, undefined, citations));
      if (!won) return (await recorded(turn.id)).result;
      await stream.append({ type: 'done', data: { messageId: current.assistantMessageId!, content: produced.text, finishReason: produced.finishReason, usage, ...(citations ? { citations } : {}) } });
      return {
        assistantMessageId: current.assistantMessageId!,
        provider: usage.provider,
        finishReason: produced.finishReason,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        costUsd: usage.costUsd,
      };
  }

  return {
    async generateReply(input: GenerateReplyInput): Promise<GenerateReplyResult> {
      try {
        return await generateReply(input);
      } catch (err) {
        throw internalFailure(err);
      }
    },

    /** Records a failed or cancelled turn (idempotent) and closes its stream. Returns the kept message id. */
    async finishTurn({ turnId, status, error, usage }: FinishTurnInput): Promise<string | null> {
      const em = deps.orm.em.fork();
      const turn = await em.findOne(ChatTurn, turnId, { populate: ['conversation'] });
      if (!turn) return null;
      const stream = new TurnStreamWriter(deps.redis, turnId, deps.streamRetentionSeconds);
      const { won, current } = await persist(turn, status === 'cancelled' ? TurnStatus.Cancelled : TurnStatus.Failed, null, usage, error?.detail);
      if (won || !(await stream.hasTerminalEvent())) {
        await stream.append(
          status === 'cancelled'
            ? { type: 'cancelled', data: { messageId: current.assistantMessageId } }
            : { type: 'error', data: error ?? { status: 502, title: 'Upstream error', detail: 'The turn failed' } },
        );
      }
      return current.assistantMessageId;
    },

    /** A tool call's outcome as the model reads it (a tool message) and the client sees it (a `tool` event), once. */
    async recordToolOutcome(o: ToolOutcome): Promise<void> {
      const em = deps.orm.em.fork();
      const id = toolMessageId(o.turnId, o.step, o.call.index);
      if (await em.count(Message, { id })) return;
      const turn = await em.findOneOrFail(ChatTurn, o.turnId);
      const content = o.phase === 'result' ? toolMessageText(o.result) : `Error: ${o.error ?? 'the tool call failed'}`;
      em.create(Message, { id, conversation: turn.conversation.id, role: MessageRole.Tool, content, turnId: o.turnId, toolCallId: o.call.callId });
      await em.flush();
      // A call that never ran (rejected, approval failed) closes its run row; a run that failed recorded itself.
      if (o.phase === 'error' && o.call.tool) {
        await em.nativeUpdate(ToolRun, { id: o.call.runId, status: 'running' }, { status: 'failed', error: { type: 'NotRun', message: content }, completedAt: new Date() });
      }
      const stream = new TurnStreamWriter(deps.redis, o.turnId, deps.streamRetentionSeconds);
      const runId = o.call.tool ? o.call.runId : null;
      await stream.append({
        type: 'tool',
        data: o.phase === 'result'
          ? { phase: 'result', callId: o.call.callId, name: o.call.name, runId, ...eventResult(o.result) }
          : { phase: 'error', callId: o.call.callId, name: o.call.name, runId, error: o.error ?? 'the tool call failed' },
      });
    },

    /** Tells the client a call waits for a human decision (the approval's id is what deciders act on). */
    async announceToolApproval({ turnId, call }: { turnId: string; call: PlannedToolCall }): Promise<void> {
      const stream = new TurnStreamWriter(deps.redis, turnId, deps.streamRetentionSeconds);
      await stream.append({ type: 'tool', data: { phase: 'approval_pending', callId: call.callId, name: call.name, runId: call.runId, approvalId: call.approvalId } });
    },
  };
}


export type ChatActivities = ReturnType<typeof createChatActivities>;
