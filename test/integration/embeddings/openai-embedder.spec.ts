import { ProviderError } from '../../../shared/llm/provider.error';
import { OpenAiEmbedder } from '../../../shared/embeddings/openai-embedder';
import { createEmbedder } from '../../../shared/embeddings/embedder.factory';
import { LocalEmbedder } from '../../../shared/embeddings/local-embedder';
import { StubLlmServer } from '../../support/stub-llm-server';

// Against a local HTTP server speaking OpenAI's /v1/embeddings wire format (the suite's OpenAI-compatible stub).
describe('OpenAiEmbedder over the OpenAI wire format', () => {
  const stub = new StubLlmServer();
  let baseUrl: string;
  beforeAll(async () => {
    baseUrl = `http://127.0.0.1:${await stub.start()}/v1`;
  });
  afterAll(() => stub.stop());
  const embedder = (model: string, dimensions: number, batchSize?: number) => new OpenAiEmbedder({ baseUrl, apiKey: 'sk-test', model, dimensions, batchSize });

  it('sends the inputs in batches, keeps their order, normalises the vectors and sums the usage', async () => {
    const e = embedder('embed-16', 16, 2);
    const texts = ['reset my password', 'password reset link', 'mountains and rivers', 'rivers', 'cats'];
    const before = stub.embeddingRequests.length;
    const { vectors, tokens } = await e.embed(texts);
    expect(stub.embeddingRequests.slice(before).map((r) => r.input)).toEqual([texts.slice(0, 2), texts.slice(2, 4), texts.slice(4)]);
    expect(stub.embeddingRequests[before]).toMatchObject({ model: 'embed-16', encoding_format: 'float' });
    expect(e.model).toBe('openai/embed-16');
    expect(vectors).toHaveLength(5);
    for (const v of vectors) expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
    expect(dot(vectors[0], vectors[1])).toBeGreaterThan(dot(vectors[0], vectors[2]));
    expect(tokens).toBe(11); // the stub counts one token per word
  });

  it('classifies the provider\'s refusals and a length mismatch', async () => {
    await expect(embedder('fail-429', 8).embed(['x'])).rejects.toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 7 });
    await expect(embedder('fail-401', 8).embed(['x'])).rejects.toMatchObject({ kind: 'auth' });
    await expect(embedder('embed-8', 16).embed(['x'])).rejects.toThrow(/dimensions/);
  });

  it('reports an unreachable provider as an upstream ProviderError', async () => {
    const gone = new OpenAiEmbedder({ baseUrl: 'http://127.0.0.1:9/v1', model: 'embed-8', dimensions: 8 });
    const err = await gone.embed(['x']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: 'upstream', retryable: true });
  });

  it('is chosen by EMBEDDING_PROVIDER=openai, the local model otherwise', () => {
    const base = { EMBEDDING_MODEL_PATH: '/m/all-minilm-l6-v2-q', EMBEDDING_THREADS: 1, EMBEDDING_OPENAI_MODEL: 'embed-8', EMBEDDING_OPENAI_DIMENSIONS: 8 };
    expect(createEmbedder({ ...base, EMBEDDING_PROVIDER: 'local' })).toBeInstanceOf(LocalEmbedder);
    expect(createEmbedder({ ...base, EMBEDDING_PROVIDER: 'openai', OPENAI_COMPATIBLE_BASE_URL: baseUrl })).toBeInstanceOf(OpenAiEmbedder);
    expect(() => createEmbedder({ ...base, EMBEDDING_PROVIDER: 'openai' })).toThrow(/OPENAI_COMPATIBLE_BASE_URL/);
  });
});
