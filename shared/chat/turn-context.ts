import type { EntityManager } from '@mikro-orm/postgresql';
import { ChatTurn, Message, MessageRole } from '../persistence/entities';
import type { ChatMessage } from '../llm/provider.types';
import type { MessageCitation } from '../persistence/entities';
import type { RetrievedChunk } from '../files/chunk-retrieval';
import { estimateTokens, fitContext } from './context-window';
import { groundSystemPrompt } from './turn-grounding';

/**
 * What a turn sends the model: earlier turns contribute their user and final assistant texts; this
 * turn's tool exchange (assistant tool calls, then tool results) follows the user's message whole,
 * since a provider refuses half of one. Excerpts retrieved from attached files join the system prompt,
 * within their share of the budget; `citations` says which. `turn.conversation` must be loaded.
 */
export async function loadTurnContext(
  em: EntityManager,
  turn: ChatTurn,
  contextTokens: number,
  maxTokens: number,
  chunks: RetrievedChunk[] = [],
): Promise<{ messages: ChatMessage[]; citations: MessageCitation[] }> {
  const userMessage = await em.findOneOrFail(Message, turn.userMessageId);
  const history = await historyUpTo(em, turn.conversation.id, userMessage.createdAt);
  const exchange: ChatMessage[] = (
    await em.find(Message, { turnId: turn.id, deletedAt: null, role: { $in: [MessageRole.Assistant, MessageRole.Tool] } }, { orderBy: { createdAt: 'asc', id: 'asc' } })
  ).map((m) =>
    m.role === MessageRole.Tool ? { role: 'tool', content: m.content, toolCallId: m.toolCallId ?? '' } : { role: 'assistant', content: m.content, toolCalls: m.toolCalls ?? undefined },
  );
  const exchangeTokens = exchange.reduce((n, m) => n + estimateTokens(m.content) + estimateTokens(JSON.stringify(m.toolCalls ?? '')), 0);
  const historyBudget = budget(contextTokens, maxTokens, exchangeTokens);
  const { system, citations } = groundSystemPrompt(turn.conversation.systemPrompt, chunks, historyBudget);
  return { messages: [...fitContext(system, history, historyBudget), ...exchange], citations };
}

/** The user's message of a turn: what retrieval over attached files looks for. */
export async function turnQuestion(em: EntityManager, turn: ChatTurn): Promise<string> {
  return (await em.findOneOrFail(Message, turn.userMessageId, { fields: ['content'] })).content;
}

/**
 * The first step's context as the API process that stored the turn knows it: the user's message was
 * just written (at `upTo`) and the turn has no tool exchange yet, so one query for the history.
 */
export async function firstStepContext(em: EntityManager, conversation: { id: string; systemPrompt: string | null }, upTo: Date, contextTokens: number, maxTokens: number): Promise<ChatMessage[]> {
  return fitContext(conversation.systemPrompt, await historyUpTo(em, conversation.id, upTo), budget(contextTokens, maxTokens, 0));
}

/** The conversation's user and final assistant texts up to `upTo`, oldest first (plain rows: long histories are common). */
async function historyUpTo(em: EntityManager, conversationId: string, upTo: Date): Promise<ChatMessage[]> {
  return em.execute<{ role: 'user' | 'assistant'; content: string }[]>(
    `select role, content from messages
      where conversation_id = ? and deleted_at is null and created_at <= ? and role in (?, ?) and tool_calls is null
      order by created_at asc, id asc`,
    [conversationId, upTo, MessageRole.User, MessageRole.Assistant],
  );
}

/** The context of a conversation's first turn, known without a query: its system prompt and the message. */
export function firstTurnContext(systemPrompt: string | null, message: string, contextTokens: number, maxTokens: number): ChatMessage[] {
  return fitContext(systemPrompt, [{ role: 'user', content: message }], budget(contextTokens, maxTokens, 0));
}

/** What the history may use of the model's window: the reply and this turn's tool exchange come first. */
function budget(contextTokens: number, maxTokens: number, exchangeTokens: number): number {
  return Math.max(256, contextTokens - maxTokens - exchangeTokens);
}
