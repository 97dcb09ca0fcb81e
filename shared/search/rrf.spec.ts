import { reciprocalRankFusion } from './rrf';

describe('reciprocalRankFusion', () => {
  it('sums 1/(k + rank) over the lists, best first', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['c', 'a', 'd'],
    ]);
    expect(fused.map((f) => f.key)).toEqual(['a', 'c', 'b', 'd']);
    expect(fused[0].score).toBeCloseTo(1 / 61 + 1 / 62, 12);
    expect(fused[1].score).toBeCloseTo(1 / 63 + 1 / 61, 12);
    expect(fused[3].score).toBeCloseTo(1 / 63, 12);
  });

  it('ranks a document both lists agree on above one list\'s top hit', () => {
    expect(reciprocalRankFusion([['x', 'both'], ['y', 'both']])[0].key).toBe('both');
  });

  it('keeps first-appearance order for equal scores and handles empty lists', () => {
    expect(reciprocalRankFusion([['a'], ['b']]).map((f) => f.key)).toEqual(['a', 'b']);
    expect(reciprocalRankFusion([[], []])).toEqual([]);
  });
});
