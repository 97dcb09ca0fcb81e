import type { MessageCitation } from '../persistence/entities';
import type { RetrievedChunk } from '../files/chunk-retrieval';
import { estimateTokens } from './context-window';

/** At most this share of the history's budget goes to file excerpts: the conversation itself still counts. */
const SOURCES_SHARE = 0.5;
const SOURCES_MAX_TOKENS = 3000;

const INSTRUCTION =
  'The user attached files to this conversation. Below are the excerpts most relevant to their latest message. ' +
  'Use them when they help and cite each excerpt you use by its number in square brackets, like [1]. ' +
  'If the excerpts do not contain the answer, say so.';

export interface Grounded {
  system: string | null;
  /** The excerpts the model is given, numbered as in the prompt (cited: false until the reply is known). */
  citations: MessageCitation[];
}

/**
 * The conversation's system prompt with the retrieved excerpts appended, best first, as many as fit
 * their share of the budget (the first one shortened if it alone is too long).
 */
export function groundSystemPrompt(systemPrompt: string | null, chunks: RetrievedChunk[], historyBudget: number): Grounded {
  if (!chunks.length) return { system: systemPrompt, citations: [] };
  let left = Math.min(SOURCES_MAX_TOKENS, Math.floor(historyBudget * SOURCES_SHARE)) - estimateTokens(INSTRUCTION);
  const parts: string[] = [];
  const citations: MessageCitation[] = [];
  for (const c of chunks) {
    const n = citations.length + 1;
    const header = `[${n}] From "${c.fileName}" (part ${c.ordinal + 1}):\n`;
    let text = c.text;
    const cost = estimateTokens(header + text);
    if (cost > left) {
      if (citations.length) break;
      text = text.slice(0, Math.max(0, left - estimateTokens(header)) * 4);
      if (!text) break;
    }
    parts.push(header + text);
    citations.push({ n, fileId: c.fileId, fileName: c.fileName, chunk: c.ordinal, startOffset: c.startOffset, endOffset: c.endOffset, cited: false });
    left -= estimateTokens(header + text);
  }
  if (!citations.length) return { system: systemPrompt, citations: [] };
  const sources = `${INSTRUCTION}\n\n${parts.join('\n\n')}`;
  return { system: systemPrompt ? `${systemPrompt}\n\n${sources}` : sources, citations };
}

/** Marks the excerpts the reply refers to: "[2]", "[1, 3]" or "[1][2]". */
export function markCited(citations: MessageCitation[], reply: string): MessageCitation[] {
  const referenced = new Set<number>();
  for (const m of reply.matchAll(/\[(\d+(?:\s*,\s*\d+)*)\]/g)) {
    for (const n of m[1].split(',')) referenced.add(Number(n.trim()));
  }
  return citations.map((c) => ({ ...c, cited: referenced.has(c.n) }));
}
