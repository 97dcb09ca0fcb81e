import { ProblemException } from '../common/problem/problem.exception';
import { SearchCursor } from './search-cursor';

describe('SearchCursor', () => {
  const cursors = new SearchCursor('x'.repeat(32));
  const hash = SearchCursor.queryHash({ q: 'cats', limit: 2 });

  it('round-trips the sort values and the page', () => {
    const c = cursors.encode({ after: [1.5, '2026-01-01T00:00:00.000Z', 'id-1'], page: 3 }, hash);
    expect(cursors.decode(c, hash)).toEqual({ after: [1.5, '2026-01-01T00:00:00.000Z', 'id-1'], page: 3 });
    expect(cursors.decode(undefined, hash)).toBeUndefined();
    expect(cursors.decode(null, hash)).toBeUndefined();
  });

  it('refuses a forged body, a foreign query and another secret with a 400', () => {
    const c = cursors.encode({ after: [1], page: 1 }, hash);
    const [body, sig] = c.split('.');
    const forged = `${Buffer.from(JSON.stringify({ a: [{ script: 'x' }], p: 0, q: hash })).toString('base64url')}.${sig}`;
    for (const bad of [forged, `${body}.${sig.slice(1)}`, 'garbage', `${body}.`]) {
      expect(() => cursors.decode(bad, hash)).toThrow(ProblemException);
    }
    expect(() => cursors.decode(c, SearchCursor.queryHash({ q: 'dogs', limit: 2 }))).toThrow(expect.objectContaining({ detail: expect.stringMatching(/another query/) }));
    expect(() => new SearchCursor('y'.repeat(32)).decode(c, hash)).toThrow(ProblemException);
  });
});
