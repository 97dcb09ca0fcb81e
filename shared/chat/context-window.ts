import type { ChatMessage } from '../llm/provider.types';

/** ~4 characters per token for English text; good enough to keep under a context budget. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4) + 4;
}

/**
 * The newest messages that fit the budget, oldest first, with the system prompt always kept.
 * The last message (the user's new one) is always included, truncated from the front if it alone is too long.
 */
export function fitContext(system: string | null, history: ChatMessage[], budgetTokens: number): ChatMessage[] {
  const out: ChatMessage[] = [];
  let left = budgetTokens - (system ? estimateTokens(system) : 0);
  for (let i = history.length - 1; i >= 0; i--) {
    const m = history[i];
    const cost = estimateTokens(m.content);
    if (cost > left) {
      if (out.length === 0) out.unshift({ ...m, content: m.content.slice(-Math.max(0, left - 4) * 4) });
      break;
    }
    out.unshift(m);
    left -= cost;
  }
  return system ? [{ role: 'system', content: system }, ...out] : out;
}
