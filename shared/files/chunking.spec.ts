import { chunkText, DEFAULT_CHUNKING } from './chunking';

const sentence = (i: number) => `Sentence number ${i} talks about topic ${i % 7} in some detail.`;

describe('chunkText', () => {
  const paragraphs = Array.from({ length: 30 }, (_, p) => Array.from({ length: 4 }, (_, s) => sentence(p * 4 + s)).join(' ')).join('\n\n');

  it('keeps exact offsets: every chunk is the source between its start and end', () => {
    const chunks = chunkText(paragraphs);
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) expect(paragraphs.slice(c.start, c.end)).toBe(c.text);
    expect(chunks.map((c) => c.ordinal)).toEqual(chunks.map((_, i) => i));
  });

  it('stays within the maximum, ends on sentence boundaries and overlaps its neighbour', () => {
    const chunks = chunkText(paragraphs);
    for (const c of chunks) {
      expect(c.text.length).toBeLessThanOrEqual(DEFAULT_CHUNKING.maxChars);
      expect(c.text).toMatch(/\.$/);
      expect(c.text).toMatch(/^Sentence/);
    }
    for (let i = 1; i < chunks.length; i++) {
      expect(chunks[i].start).toBeLessThan(chunks[i - 1].end);
      expect(chunks[i].start).toBeGreaterThan(chunks[i - 1].start);
    }
  });

  it('covers all of the text', () => {
    const chunks = chunkText(paragraphs);
    expect(chunks[0].start).toBe(0);
    expect(chunks[chunks.length - 1].end).toBe(paragraphs.length);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i].start).toBeLessThanOrEqual(chunks[i - 1].end);
  });

  it('prefers a paragraph end near the target over a sentence end', () => {
    const para = (n: number) => Array.from({ length: n }, (_, i) => sentence(i)).join(' ');
    const text = `${para(11)}\n\n${para(11)}`; // ~700 chars, then a paragraph break
    const [first] = chunkText(text);
    expect(text.slice(first.end, first.end + 2)).toBe('\n\n');
  });

  it('cuts a text with no spaces at the maximum and still makes progress', () => {
    const text = 'x'.repeat(2500);
    const chunks = chunkText(text);
    expect(chunks.map((c) => c.text.length)).toEqual([1000, 1000, 500]) // no word start to overlap from;
    expect(chunks[chunks.length - 1].end).toBe(2500);
  });

  it('returns one chunk for a short text and none for blank text', () => {
    expect(chunkText('  Hello there.  ')).toEqual([{ ordinal: 0, text: 'Hello there.', start: 2, end: 14 }]);
    expect(chunkText(' \n\n ')).toEqual([]);
  });
});
