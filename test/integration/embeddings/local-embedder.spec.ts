import { join } from 'node:path';
import { EmbeddingModelMissingError, LocalEmbedder } from '../../../shared/embeddings/local-embedder';
import { ProviderError } from '../../../shared/llm/provider.error';

// The real model `./dev install` puts in place (all-MiniLM-L6-v2, int8 ONNX): nothing mocked, nothing downloaded.
const modelPath = process.env.EMBEDDING_MODEL_PATH ?? join(__dirname, '../../../.tools/models/all-minilm-l6-v2-q');
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('LocalEmbedder on the bundled ONNX model', () => {
  const embedder = new LocalEmbedder({ modelPath, threads: 1 });

  it('embeds a batch into unit vectors whose cosine follows meaning', async () => {
    const texts = ['How do I reset my password?', 'I forgot my login credentials and cannot sign in', 'Mount Everest is the highest mountain on Earth'];
    const { vectors, tokens } = await embedder.embed(texts);
    expect(embedder.model).toBe('local/all-minilm-l6-v2-q');
    expect(vectors).toHaveLength(3);
    for (const v of vectors) {
      expect(v).toHaveLength(embedder.dimensions);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
    expect(dot(vectors[0], vectors[1])).toBeGreaterThan(dot(vectors[0], vectors[2]) + 0.2);
    expect(tokens).toBeGreaterThan(20);
  });

  // Nearly the same, not bit-equal: the int8 model quantises activations per batch, so padding shifts the scale slightly.
  it('gives nearly the same vector for a text alone or inside a padded batch, and batches beyond the batch size', async () => {
    const alone = (await embedder.embed(['a cat sits on the mat'])).vectors[0];
    const many = Array.from({ length: 37 }, (_, i) => (i === 30 ? 'a cat sits on the mat' : `filler sentence number ${i} with a few more words`));
    const { vectors } = await embedder.embed(many);
    expect(vectors).toHaveLength(37);
    expect(dot(alone, vectors[30])).toBeGreaterThan(0.98);
  });

  it('truncates long input to the model limit and counts at most that many tokens per text', async () => {
    const long = 'word '.repeat(5000);
    const { vectors, tokens } = await embedder.embed([long]);
    expect(vectors[0]).toHaveLength(384);
    expect(tokens).toBe(embedder.maxTokens);
    expect(await embedder.countTokens(['hello world', long])).toEqual([4, embedder.maxTokens]);
  });

  it('runs at most `concurrency` calls at once and refuses beyond its queue as a retryable rate limit', async () => {
    const busy = new LocalEmbedder({ modelPath, threads: 1, concurrency: 1, maxQueued: 1 });
    const texts = Array.from({ length: 32 }, (_, i) => `sentence ${i} about queues and fairness`);
    const calls = [busy.embed(texts), busy.embed(texts), busy.embed(texts)].map((p) => p.then((r) => r.vectors.length, (e: unknown) => e));
    const [first, second, third] = await Promise.all(calls);
    expect([first, second]).toEqual([32, 32]);
    expect(third).toBeInstanceOf(ProviderError);
    expect(third).toMatchObject({ kind: 'rate_limited', retryable: true, retryAfterSeconds: expect.any(Number) });
  });

  it('answers an empty batch without loading anything and reports a missing model clearly', async () => {
    expect(await new LocalEmbedder({ modelPath: '/nonexistent/model' }).embed([])).toEqual({ vectors: [], tokens: 0 });
    await expect(new LocalEmbedder({ modelPath: '/nonexistent/model' }).embed(['x'])).rejects.toThrow(EmbeddingModelMissingError);
  });
});
