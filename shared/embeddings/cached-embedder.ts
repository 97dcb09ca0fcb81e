import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import type { Embedder, EmbeddingResult } from './embedder';

export interface CachedEmbedderOptions {
  /** Seconds a cached vector lives; re-embedding is cheap enough that the cache need not be permanent. */
  ttlSeconds?: number;
  keyPrefix?: string;
  /** Told when Redis fails: the cache is skipped, never the embedding. */
  onError?: (err: unknown) => void;
}

/**
 * An Embedder that remembers vectors in Redis by (model, sha256 of the text): re-indexing, reconciliation and
 * repeated queries skip the model. Values are the text's token count (uint32) then its float32 vector, little-endian.
 * Usage still counts every input's tokens, cached or not, so accounting does not depend on the cache.
 */
export class CachedEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  readonly maxTokens: number;
  private readonly ttl: number;
  private readonly prefix: string;

  constructor(
    private readonly inner: Embedder,
    private readonly redis: Redis,
    private readonly options: CachedEmbedderOptions = {},
  ) {
    this.model = inner.model;
    this.dimensions = inner.dimensions;
    this.maxTokens = inner.maxTokens;
    this.ttl = options.ttlSeconds ?? 30 * 24 * 3600;
    this.prefix = options.keyPrefix ?? 'emb:';
  }

  keyOf(text: string): string {
    return `${this.prefix}${this.model}:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
  }

  async embed(texts: string[]): Promise<EmbeddingResult> {
    if (texts.length === 0) return { vectors: [], tokens: 0 };
    const keys = texts.map((t) => this.keyOf(t));
    const cached = await this.redis.mgetBuffer(...keys).catch((err: unknown) => {
      this.options.onError?.(err);
      return keys.map(() => null);
    });
    const vectors: (number[] | undefined)[] = [];
    const tokensOf: number[] = [];
    const missing: number[] = [];
    cached.forEach((value, i) => {
      const decoded = value ? this.decode(value) : undefined;
      if (decoded) {
        vectors[i] = decoded.vector;
        tokensOf[i] = decoded.tokens;
      } else missing.push(i);
    });

    if (missing.length > 0) {
      // Embedded one call for all misses (the inner embedder batches); tokens are split per text for the cache.
      const fresh = await this.inner.embed(missing.map((i) => texts[i]));
      const share = fresh.tokensPerText ?? perTextTokens(fresh.tokens, missing.length);
      const pipeline = this.redis.pipeline();
      missing.forEach((i, n) => {
        vectors[i] = fresh.vectors[n];
        tokensOf[i] = share[n];
        pipeline.set(keys[i], this.encode(fresh.vectors[n], share[n]), 'EX', this.ttl);
      });
      await pipeline.exec().catch((err: unknown) => this.options.onError?.(err));
    }
    return { vectors: vectors as number[][], tokens: tokensOf.reduce((a, b) => a + b, 0), tokensPerText: tokensOf };
  }

  private encode(vector: number[], tokens: number): Buffer {
    const bytes = Buffer.alloc(4 + vector.length * 4);
    bytes.writeUInt32LE(tokens, 0);
    vector.forEach((x, i) => bytes.writeFloatLE(x, 4 + i * 4));
    return bytes;
  }

  private decode(bytes: Buffer): { vector: number[]; tokens: number } | undefined {
    if (bytes.length !== 4 + this.dimensions * 4) return undefined; // another layout or model length: re-embed
    const vector = Array.from({ length: this.dimensions }, (_, i) => bytes.readFloatLE(4 + i * 4));
    return { vector, tokens: bytes.readUInt32LE(0) };
  }
}

/** An even split of a batch's token count when the embedder reports only a total (hosted providers). */
function perTextTokens(total: number, count: number): number[] {
  const base = Math.floor(total / count);
  return Array.from({ length: count }, (_, i) => base + (i < total - base * count ? 1 : 0));
}
