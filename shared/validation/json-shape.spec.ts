import { inspectJson } from './json-shape';

const nested = (depth: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = i % 2 ? { a: v } : [v];
  return v;
};

describe('inspectJson', () => {
  it('accepts ordinary values', () => {
    expect(inspectJson({ name: 'x', tags: ['a', 'b'], at: new Date(), n: 1, none: null })).toBeUndefined();
    expect(inspectJson(nested(64))).toBeUndefined();
  });

  it('refuses depth beyond the limit without overflowing the stack, at any depth', () => {
    expect(inspectJson(nested(65))).toMatchObject({ kind: 'depth' });
    expect(inspectJson(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)))).toMatchObject({ kind: 'depth', message: 'must not be nested deeper than 64 levels' });
  });

  it('refuses too many keys and elements', () => {
    expect(inspectJson({ list: new Array(50_001).fill(0) })).toMatchObject({ kind: 'size', path: 'list' });
    expect(inspectJson(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 1])), { maxDepth: 8, maxNodes: 5 })).toMatchObject({ kind: 'size', path: 'value' });
  });

  it('names the first NUL, in a value or a key', () => {
    expect(inspectJson({ nodes: [{ id: 'a' }, { id: 'b\0' }] })).toEqual({ kind: 'nul', path: 'nodes[1].id', segments: ['nodes', 1, 'id'], message: 'must not contain NUL (U+0000) characters' });
    expect(inspectJson({ input: { 'ke\0y': 1 } })).toMatchObject({ kind: 'nul', path: 'input.ke\\u0000y', message: 'keys must not contain NUL (U+0000) characters' });
    expect(inspectJson('a\0')).toMatchObject({ kind: 'nul', path: 'value' });
  });
});
