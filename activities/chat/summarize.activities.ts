import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { Conversation, Message, MessageRole, UsageRecord } from '../../shared/persistence/entities';
import {
  summarizeConversationWorkflowId,
  type SummarizeConversationInput,
  type SummarizeConversationResult,
} from '../../workflows/summarize-conversation/summarize-conversation.contract';
import { ProviderError } from '../../shared/llm/provider.error';
import { costUsd } from '../../shared/billing/usd';
import type { ClassifiedProviderError, ReplyCandidate, ReplyProviders } from '../../shared/chat/reply-provider';
import { SUMMARY_MAX_TOKENS, summaryRequest } from './summary-prompt';

export interface SummarizeActivityDeps {
  orm: MikroORM;
  providers: ReplyProviders;
}

const HEARTBEAT_EVERY_MS = 1000;

function failure(problem: ClassifiedProviderError): ApplicationFailure {
  return problem.retryable
    ? ApplicationFailure.create({ message: problem.detail, type: problem.type, details: [problem], nextRetryDelay: problem.retryAfterSeconds ? `${problem.retryAfterSeconds}s` : undefined })
    : ApplicationFailure.nonRetryable(problem.detail, problem.type, problem);
}

export function createSummarizeActivities(deps: SummarizeActivityDeps) {
  /** The user and assistant messages up to the one the summary covers, oldest first. */
  async function history(input: SummarizeConversationInput) {
    const em = deps.orm.em.fork();
    const [conversation, last] = await Promise.all([
      em.findOne(Conversation, { id: input.conversationId, deletedAt: null }),
      em.findOne(Message, { id: input.lastMessageId, conversation: input.conversationId }),
    ]);
    if (!conversation || !last) {
      throw ApplicationFailure.nonRetryable(`conversation ${input.conversationId} is gone`, 'ConversationNotFoundError', { status: 404, title: 'Not found', detail: 'Conversation was not found' });
    }
    const rows = await em.find(
      Message,
      { conversation: conversation.id, deletedAt: null, createdAt: { $lte: last.createdAt }, role: { $in: [MessageRole.User, MessageRole.Assistant] } },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    return rows.map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content }));
  }

  async function ask(candidate: ReplyCandidate, messages: ReturnType<typeof summaryRequest>) {
    const ctx = Context.current();
    let text = '';
    let inputTokens = 0;
    let outputTokens = 0;
    let lastBeat = Date.now();
    for await (const ev of candidate.stream({ messages, maxTokens: SUMMARY_MAX_TOKENS, temperature: 0.2 }, ctx.cancellationSignal)) {
      if (ev.type === 'text') text += ev.delta;
      else if (ev.type === 'usage') ({ inputTokens, outputTokens } = ev);
      if (Date.now() - lastBeat >= HEARTBEAT_EVERY_MS) {
        ctx.heartbeat({ chars: text.length });
        lastBeat = Date.now();
      }
    }
    const summary = text.trim();
    if (!summary) throw new ProviderError('upstream', 'the model returned an empty summary', { provider: candidate.provider });
    return { summary, inputTokens, outputTokens };
  }

  /** Stores the summary and bills the call once per summarized state (the workflow id is the usage source). */
  async function store(input: SummarizeConversationInput, candidate: ReplyCandidate, r: { summary: string; inputTokens: number; outputTokens: number }) {
    await deps.orm.em.fork().transactional(async (tx) => {
      await tx.nativeUpdate(Conversation, { id: input.conversationId, deletedAt: null }, { summary: r.summary });
      await tx
        .createQueryBuilder(UsageRecord)
        .insert({
          id: randomUUID(),
          sourceId: summarizeConversationWorkflowId(input.conversationId, input.lastMessageId),
          kind: 'summary',
          user: input.userId,
          conversationId: input.conversationId,
          model: candidate.model,
          provider: candidate.provider,
          inputTokens: r.inputTokens,
          outputTokens: r.outputTokens,
          costUsd: costUsd(r.inputTokens, r.outputTokens, candidate.inputPricePerMTok, candidate.outputPricePerMTok),
          createdAt: new Date(),
        })
        .onConflict('sourceId')
        .ignore();
    });
  }

  return {
    /** Asks the conversation's model (then its fallbacks) for a summary and stores it on the conversation. */
    async summarizeConversation(input: SummarizeConversationInput): Promise<SummarizeConversationResult> {
      const ctx = Context.current();
      const messages = await history(input);
      let candidates: ReplyCandidate[];
      try {
        candidates = deps.providers.candidates(input.model);
      } catch (err) {
        throw failure(deps.providers.classify(err));
      }
      for (let i = 0; ; i++) {
        const candidate = candidates[i];
        let reply: Awaited<ReturnType<typeof ask>>;
        try {
          reply = await ask(candidate, summaryRequest(messages, candidate.contextTokens));
        } catch (err) {
          if (ctx.cancellationSignal.aborted) throw err;
          const problem = deps.providers.classify(err);
          ctx.log.warn('summary provider failed', { provider: candidate.provider, model: candidate.model, ...problem });
          if (problem.retryable && i < candidates.length - 1) continue;
          throw failure(problem);
        }
        await store(input, candidate, reply);
        return { conversationId: input.conversationId, summary: reply.summary, model: candidate.model, provider: candidate.provider };
      }
    },
  };
}

export type SummarizeActivities = ReturnType<typeof createSummarizeActivities>;
