import type { EntityManager } from '@mikro-orm/postgresql';
import { ChatTurn, Message, MessageRole } from '../../shared/persistence/entities';
import type { ChatMessage } from '../llm/provider.types';
import { estimateTokens, fitContext } from './context-window';

/**
 * What a turn sends the model: earlier turns contribute their user and final assistant texts; this
 * turn's tool exchange (assistant tool calls, then tool results) follows the user's message whole,
 * since a provider refuses half of one. `turn.conversation` must be loaded.
 */
export async function loadTurnContext(em: EntityManager, turn: ChatTurn, contextTokens: number, maxTokens: number): Promise<ChatMessage[]> {
  const userMessage = await em.findOneOrFail(Message, turn.userMessageId);
  const rows = await em.find(
    Message,
    { conversation: turn.conversation.id, deletedAt: null, createdAt: { $lte: userMessage.createdAt }, role: { $in: [MessageRole.User, MessageRole.Assistant] }, toolCalls: null },
    { orderBy: { createdAt: 'asc', id: 'asc' } },
  );
  const history = rows.map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content }));
  const exchange: ChatMessage[] = (
    await em.find(Message, { turnId: turn.id, deletedAt: null, role: { $in: [MessageRole.Assistant, MessageRole.Tool] } }, { orderBy: { createdAt: 'asc', id: 'asc' } })
  ).map((m) =>
    m.role === MessageRole.Tool ? { role: 'tool', content: m.content, toolCallId: m.toolCallId ?? '' } : { role: 'assistant', content: m.content, toolCalls: m.toolCalls ?? undefined },
  );
  const exchangeTokens = exchange.reduce((n, m) => n + estimateTokens(m.content) + estimateTokens(JSON.stringify(m.toolCalls ?? '')), 0);
  return [...fitContext(turn.conversation.systemPrompt, history, budget(contextTokens, maxTokens, exchangeTokens)), ...exchange];
}

/** The context of a conversation's first turn, known without a query: its system prompt and the message. */
export function firstTurnContext(systemPrompt: string | null, message: string, contextTokens: number, maxTokens: number): ChatMessage[] {
  return fitContext(systemPrompt, [{ role: 'user', content: message }], budget(contextTokens, maxTokens, 0));
}

/** What the history may use of the model's window: the reply and this turn's tool exchange come first. */
function budget(contextTokens: number, maxTokens: number, exchangeTokens: number): number {
  return Math.max(256, contextTokens - maxTokens - exchangeTokens);
}
