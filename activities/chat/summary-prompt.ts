import type { ChatMessage } from '../../shared/llm/provider.types';
import { estimateTokens, fitContext } from '../../shared/chat/context-window';

export const SUMMARY_MAX_TOKENS = 300;

export const SUMMARY_INSTRUCTION =
  'You summarize conversations. Reply with a short summary (at most three sentences) of the conversation the user sends: ' +
  'the topics, the questions asked and the answers reached. Reply with the summary only.';

/**
 * The request that asks a model for a summary: the instruction, then the newest messages that fit
 * the model's context, as one transcript (so any chat model treats it as text to summarize, not to continue).
 */
export function summaryRequest(history: ChatMessage[], contextTokens: number): ChatMessage[] {
  const budget = Math.max(256, contextTokens - SUMMARY_MAX_TOKENS - estimateTokens(SUMMARY_INSTRUCTION) - 16);
  const kept = fitContext(null, history, budget);
  const transcript = kept.map((m) => `${m.role === 'assistant' ? 'Assistant' : 'User'}: ${m.content}`).join('\n\n');
  return [
    { role: 'system', content: SUMMARY_INSTRUCTION },
    { role: 'user', content: `Conversation to summarize:\n\n${transcript}` },
  ];
}
