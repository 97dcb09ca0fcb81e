import { groundSystemPrompt, markCited } from './turn-grounding';
import type { RetrievedChunk } from '../files/chunk-retrieval';

const chunk = (ordinal: number, text: string): RetrievedChunk => ({ fileId: 'f1', fileName: 'report.pdf', ordinal, text, startOffset: ordinal * 100, endOffset: ordinal * 100 + text.length });

describe('groundSystemPrompt', () => {
  it('numbers the excerpts after the system prompt and records what the model was given', () => {
    const g = groundSystemPrompt('Be brief.', [chunk(2, 'The launch code is 4471.'), chunk(0, 'Intro text.')], 4000);
    expect(g.system).toMatch(/^Be brief\.\n\n/);
    expect(g.system).toContain('[1] From "report.pdf" (part 3):\nThe launch code is 4471.');
    expect(g.system).toContain('[2] From "report.pdf" (part 1):\nIntro text.');
    expect(g.citations).toEqual([
      { n: 1, fileId: 'f1', fileName: 'report.pdf', chunk: 2, startOffset: 200, endOffset: 224, cited: false },
      { n: 2, fileId: 'f1', fileName: 'report.pdf', chunk: 0, startOffset: 0, endOffset: 11, cited: false },
    ]);
  });

  it('keeps within half the budget: later excerpts drop, a lone long one is shortened', () => {
    const long = 'word '.repeat(2000);
    const g = groundSystemPrompt(null, [chunk(0, long), chunk(1, 'second')], 1000);
    expect(g.citations.map((c) => c.n)).toEqual([1]);
    expect(g.system!.length / 4).toBeLessThanOrEqual(500);
  });

  it('leaves the prompt alone without chunks', () => {
    expect(groundSystemPrompt('S', [], 4000)).toEqual({ system: 'S', citations: [] });
  });
});

describe('markCited', () => {
  it('marks the numbers the reply refers to', () => {
    const { citations } = groundSystemPrompt(null, [chunk(0, 'a'), chunk(1, 'b'), chunk(2, 'c')], 4000);
    expect(markCited(citations, 'Per [1, 3] and [3].').map((c) => c.cited)).toEqual([true, false, true]);
    expect(markCited(citations, 'no refs').every((c) => !c.cited)).toBe(true);
  });
});
