import { reciprocalRankFusion, RRF_K } from './rank-fusion';

describe('reciprocalRankFusion', () => {
  it('puts an item both lists rank well above items only one list has', () => {
    const fused = reciprocalRankFusion([['a', 'b', 'c'], ['d', 'b', 'a']]);
    expect(fused.map((f) => f.id)).toEqual(['a', 'b', 'd', 'c']);
    expect(fused[0].score).toBeCloseTo(1 / (RRF_K + 1) + 1 / (RRF_K + 3));
  });

  it('keeps a single list in its order and ignores empty ones', () => {
    expect(reciprocalRankFusion([['x', 'y'], []]).map((f) => f.id)).toEqual(['x', 'y']);
    expect(reciprocalRankFusion([])).toEqual([]);
  });
});
