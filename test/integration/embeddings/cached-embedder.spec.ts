import { createServer } from 'node:net';
import { join } from 'node:path';
import Redis from 'ioredis';
import { CachedEmbedder } from '../../../shared/embeddings/cached-embedder';
import type { Embedder } from '../../../shared/embeddings/embedder';
import { LocalEmbedder } from '../../../shared/embeddings/local-embedder';

// The real local model behind the cache, and the test stack's real Redis (REDIS_URL, set by ./dev test).
const modelPath = process.env.EMBEDDING_MODEL_PATH ?? join(__dirname, '../../../.tools/models/all-minilm-l6-v2-q');

/** Records which texts reached the model. */
function counting(inner: Embedder): Embedder & { seen: string[] } {
  const seen: string[] = [];
  return { model: inner.model, dimensions: inner.dimensions, maxTokens: inner.maxTokens, seen, embed: (texts) => (seen.push(...texts), inner.embed(texts)) };
}

describe('CachedEmbedder on Redis', () => {
  if (!process.env.REDIS_URL) throw new Error('REDIS_URL is not set: run through ./dev test, which starts Redis');
  const redis = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 1 });
  const local = new LocalEmbedder({ modelPath, threads: 1 });
  const prefix = `emb-test-${Date.now()}:`;
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('embeds only the texts it has not seen, keyed by model and sha256, with the same vectors and token counts', async () => {
    const inner = counting(local);
    const cache = new CachedEmbedder(inner, redis, { keyPrefix: prefix, ttlSeconds: 600 });
    const first = await cache.embed(['alpha text', 'beta text']);
    expect(inner.seen).toEqual(['alpha text', 'beta text']);
    expect(await redis.ttl(cache.keyOf('alpha text'))).toBeGreaterThan(500);
    expect(cache.keyOf('alpha text')).toMatch(new RegExp(`^${prefix}local/all-minilm-l6-v2-q:[0-9a-f]{64}$`));

    const second = await cache.embed(['beta text', 'gamma text', 'alpha text']);
    expect(inner.seen).toEqual(['alpha text', 'beta text', 'gamma text']);
    const direct = await local.embed(['beta text', 'gamma text', 'alpha text']);
    expect(second.tokens).toBe(direct.tokens);
    expect(second.tokensPerText).toEqual(direct.tokensPerText);
    second.vectors[0].forEach((x, i) => expect(x).toBeCloseTo(first.vectors[1][i], 6));
    second.vectors[2].forEach((x, i) => expect(x).toBeCloseTo(first.vectors[0][i], 6));
  });

  it('still embeds when Redis is unreachable, and says so', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = s.address() as { port: number };
        s.close(() => resolve(p));
      });
    });
    const down = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    const errors: unknown[] = [];
    const cache = new CachedEmbedder(local, down, { keyPrefix: prefix, onError: (e) => errors.push(e) });
    const { vectors } = await cache.embed(['delta text']);
    expect(vectors[0]).toHaveLength(384);
    expect(errors.length).toBeGreaterThan(0);
    down.disconnect();
  });
});
