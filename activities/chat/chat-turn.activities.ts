import { MikroORM } from '@mikro-orm/postgresql';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type Redis from 'ioredis';
import { ChatTurn, Message, MessageRole, TurnStatus, UsageRecord } from '../../shared/persistence/entities';
import type { TurnUsage } from '../../shared/streams/turn-events';
import type { ChatTurnInput, FinishTurnInput, GenerateReplyResult } from '../../workflows/chat-turn/chat-turn.contract';
import { settleTurnBilling } from '../billing/turn-billing';
import { fitContext } from './context-window';
import { costUsd } from './cost';
import type { ChatMessage } from '../llm/provider.types';
import type { ReplyCandidate, ReplyProviders } from './reply-provider';
import { TurnStreamWriter } from './turn-stream-writer';

export interface ChatActivityDeps {
  orm: MikroORM;
  redis: Redis;
  providers: ReplyProviders;
  streamRetentionSeconds: number;
  defaultMaxTokens: number;
}

const HEARTBEAT_EVERY_MS = 250;
const MAX_INLINE_RETRY_AFTER_S = 5;

interface Produced {
  text: string;
  candidate: ReplyCandidate;
  inputTokens: number;
  outputTokens: number;
  finishReason: string;
}

export function createChatActivities(deps: ChatActivityDeps) {
  /** Records the outcome once: only the transition out of `running` wins. */
  async function persist(turn: ChatTurn, status: TurnStatus, text: string | null, produced?: Produced, error?: string) {
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
          model: produced?.candidate.model ?? turn.model,
        });
      }
      if (produced) {
        tx.create(UsageRecord, {
          sourceId: turn.id,
          kind: 'chat-turn',
          user: turn.user.id,
          conversationId: turn.conversation.id,
          model: produced.candidate.model,
          provider: produced.candidate.provider,
          inputTokens: produced.inputTokens,
          outputTokens: produced.outputTokens,
          costUsd: costUsd(produced.inputTokens, produced.outputTokens, produced.candidate.inputPricePerMTok, produced.candidate.outputPricePerMTok),
        });
      }
      await settleTurnBilling(tx, { sourceId: turn.id, userId: turn.user.id, costUsd: produced ? usageOf(produced).costUsd : '0' });
      await tx.flush();
      return { won: true, current: await tx.findOneOrFail(ChatTurn, turn.id) };
    });
  }

  async function loadContext(turn: ChatTurn, candidate: ReplyCandidate, maxTokens: number): Promise<ChatMessage[]> {
    const em = deps.orm.em.fork();
    const userMessage = await em.findOneOrFail(Message, turn.userMessageId);
    const rows = await em.find(
      Message,
      { conversation: turn.conversation.id, deletedAt: null, createdAt: { $lte: userMessage.createdAt }, role: { $in: [MessageRole.User, MessageRole.Assistant] } },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    const history = rows.map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content }));
    return fitContext(turn.conversation.systemPrompt, history, Math.max(256, candidate.contextTokens - maxTokens));
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

  function usageOf(p: Produced): TurnUsage {
    return {
      inputTokens: p.inputTokens,
      outputTokens: p.outputTokens,
      costUsd: costUsd(p.inputTokens, p.outputTokens, p.candidate.inputPricePerMTok, p.candidate.outputPricePerMTok),
      provider: p.candidate.provider,
      model: p.candidate.model,
    };
  }

  return {
    /**
     * Streams the reply into the turn's Redis stream and records it, exactly once per turn.
     * A retry (worker died) or a fallback first emits `reset`, then restarts the text.
     */
    async generateReply(input: ChatTurnInput): Promise<GenerateReplyResult> {
      const ctx = Context.current();
      const em = deps.orm.em.fork();
      const turn = await em.findOne(ChatTurn, input.turnId, { populate: ['conversation'] });
      if (!turn) throw ApplicationFailure.nonRetryable(`chat turn ${input.turnId} does not exist`, 'TurnNotFoundError');
      const stream = new TurnStreamWriter(deps.redis, turn.id, deps.streamRetentionSeconds);

      if (turn.status === TurnStatus.Completed) {
        // An earlier attempt recorded the reply but died before reporting it.
        const { result, usage } = await recorded(turn.id);
        if (!(await stream.hasTerminalEvent())) {
          const msg = await em.findOne(Message, result.assistantMessageId);
          await stream.append({ type: 'done', data: { messageId: result.assistantMessageId, content: msg?.content, finishReason: 'stop', usage } });
        }
        return result;
      }
      if (turn.status !== TurnStatus.Running) throw ApplicationFailure.nonRetryable(`chat turn is ${turn.status}`, 'TurnNotFoundError');
      if (ctx.info.attempt > 1 && (await stream.hasTokens())) {
        await stream.append({ type: 'reset', data: { attempt: ctx.info.attempt, reason: 'retry' } });
      }

      const maxTokens = input.maxTokens ?? deps.defaultMaxTokens;
      const candidates = deps.providers.candidates(turn.model);
      let produced: Produced | undefined;
      let text = '';
      for (let i = 0; i < candidates.length && !produced; i++) {
        const candidate = candidates[i];
        text = '';
        let inputTokens = 0;
        let outputTokens = 0;
        let finishReason = 'stop';
        let lastBeat = 0;
        try {
          const messages = await loadContext(turn, candidate, maxTokens);
          for await (const ev of candidate.stream({ messages, maxTokens, temperature: input.temperature }, ctx.cancellationSignal)) {
            if (ev.type === 'text') {
              if (!ev.delta) continue;
              text += ev.delta;
              await stream.token(ev.delta);
              const now = Date.now();
              if (now - lastBeat >= HEARTBEAT_EVERY_MS) {
                ctx.heartbeat({ chars: text.length, provider: candidate.provider });
                lastBeat = now;
              }
            } else if (ev.type === 'usage') {
              inputTokens = ev.inputTokens;
              outputTokens = ev.outputTokens;
            } else if (ev.type === 'finish') {
              finishReason = ev.reason;
            }
          }
          produced = { text, candidate, inputTokens, outputTokens, finishReason };
        } catch (err) {
          if (ctx.cancellationSignal.aborted) {
            const { won, current } = await persist(turn, TurnStatus.Cancelled, text);
            if (won) await stream.append({ type: 'cancelled', data: { messageId: current.assistantMessageId } });
            throw new CancelledFailure('chat turn cancelled');
          }
          const problem = deps.providers.classify(err);
          ctx.log.warn('provider failed', { provider: candidate.provider, model: candidate.model, ...problem });
          if (problem.retryable && i < candidates.length - 1) {
            if (text) await stream.append({ type: 'reset', data: { attempt: ctx.info.attempt, reason: `fallback:${candidates[i + 1].model}` } });
            continue;
          }
          // A user is waiting: a long Retry-After goes back to the client rather than stalling the turn.
          const retryHere = problem.retryable && (problem.retryAfterSeconds ?? 0) <= MAX_INLINE_RETRY_AFTER_S;
          throw retryHere
            ? ApplicationFailure.create({ message: problem.detail, type: problem.type, details: [problem], nextRetryDelay: problem.retryAfterSeconds ? `${problem.retryAfterSeconds}s` : undefined })
            : ApplicationFailure.nonRetryable(problem.detail, problem.type, problem);
        }
      }
      if (!produced) throw ApplicationFailure.nonRetryable(`no provider is configured for model ${turn.model}`, 'ProviderBadRequestError', { status: 400, title: 'Unknown model', detail: `No provider serves ${turn.model}` });

      const { won, current } = await persist(turn, TurnStatus.Completed, produced.text, produced);
      if (!won) return (await recorded(turn.id)).result;
      const usage = usageOf(produced);
      await stream.append({ type: 'done', data: { messageId: current.assistantMessageId!, content: produced.text, finishReason: produced.finishReason, usage } });
      return {
        assistantMessageId: current.assistantMessageId!,
        provider: usage.provider,
        finishReason: produced.finishReason,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        costUsd: usage.costUsd,
      };
    },

    /** Records a failed or cancelled turn (idempotent) and closes its stream. Returns the kept message id. */
    async finishTurn({ turnId, status, error }: FinishTurnInput): Promise<string | null> {
      const em = deps.orm.em.fork();
      const turn = await em.findOne(ChatTurn, turnId, { populate: ['conversation'] });
      if (!turn) return null;
      const stream = new TurnStreamWriter(deps.redis, turnId, deps.streamRetentionSeconds);
      const { won, current } = await persist(turn, status === 'cancelled' ? TurnStatus.Cancelled : TurnStatus.Failed, null, undefined, error?.detail);
      if (won || !(await stream.hasTerminalEvent())) {
        await stream.append(
          status === 'cancelled'
            ? { type: 'cancelled', data: { messageId: current.assistantMessageId } }
            : { type: 'error', data: error ?? { status: 502, title: 'Upstream error', detail: 'The turn failed' } },
        );
      }
      return current.assistantMessageId;
    },
  };
}

export type ChatActivities = ReturnType<typeof createChatActivities>;
