/** A piece of a text: `text === source.slice(start, end)`. */
export interface TextChunk {
  ordinal: number;
  text: string;
  start: number;
  end: number;
}

export interface ChunkingOptions {
  /** Aimed-for chunk length in characters. */
  targetChars: number;
  /** No chunk is longer than this. */
  maxChars: number;
  /** About this many characters of the previous chunk start the next one (from a sentence or word start). */
  overlapChars: number;
}

export const DEFAULT_CHUNKING: ChunkingOptions = { targetChars: 800, maxChars: 1000, overlapChars: 120 };

// Where a chunk may end, best first: after a paragraph, after a sentence, at a line end, at a space.
const BREAKS: RegExp[] = [/\n\s*\n/g, /[.!?…。！？]["')\]]*\s+/g, /\n/g, /\s+/g];

/**
 * Splits text into overlapping chunks that end on the best boundary available between half the target
 * and the maximum length (a paragraph end near the target beats a sentence end, which beats a word end),
 * and start at a sentence or word start inside the previous chunk's tail. Offsets index the source text.
 */
export function chunkText(source: string, options: ChunkingOptions = DEFAULT_CHUNKING): TextChunk[] {
  const { targetChars, maxChars, overlapChars } = options;
  const chunks: TextChunk[] = [];
  let pos = skipSpace(source, 0);
  while (pos < source.length) {
    let end = source.length;
    if (source.length - pos > maxChars) end = breakPoint(source, pos + Math.floor(targetChars / 2), pos + targetChars, pos + maxChars);
    const trimmedEnd = trimEnd(source, pos, end);
    chunks.push({ ordinal: chunks.length, text: source.slice(pos, trimmedEnd), start: pos, end: trimmedEnd });
    if (end >= source.length) break;
    pos = nextStart(source, Math.max(pos + 1, end - overlapChars), end);
  }
  return chunks;
}

/** The end of the best break in [min, max], preferring the one closest to `target` within each kind. */
function breakPoint(s: string, min: number, target: number, max: number): number {
  const window = s.slice(min, max);
  for (const re of BREAKS) {
    let best = -1;
    re.lastIndex = 0;
    for (let m = re.exec(window); m; m = re.exec(window)) {
      const at = min + m.index + m[0].length;
      if (best < 0 || Math.abs(at - target) < Math.abs(best - target)) best = at;
      if (m[0].length === 0) re.lastIndex++;
    }
    if (best > min) return best;
  }
  return max; // one long word: cut it
}

/** Where the next chunk starts: the first sentence start, else word start, at or after `from` (before `end`). */
function nextStart(s: string, from: number, end: number): number {
  const tail = s.slice(from, end);
  const sentence = /[.!?…。！？]["')\]]*\s+/.exec(tail);
  if (sentence) return skipSpace(s, from + sentence.index + sentence[0].length);
  const word = /\s+/.exec(tail);
  if (word && from + word.index + word[0].length < end) return from + word.index + word[0].length;
  return end;
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && /\s/.test(s[i])) i++;
  return i;
}

function trimEnd(s: string, start: number, end: number): number {
  while (end > start && /\s/.test(s[end - 1])) end--;
  return end;
}
