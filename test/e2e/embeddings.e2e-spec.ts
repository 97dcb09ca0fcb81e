import OpenAI from 'openai';
import { api, expectProblem } from '../support/api-client';
import { registerUser, TestAccount } from '../support/accounts';
import { stack } from '../support/stack';

// POST /embeddings against the running stack: the real local ONNX model, no stub.
const MODEL = 'local/all-minilm-l6-v2-q';
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('OpenAI-compatible POST /embeddings', () => {
  let alice: TestAccount;
  let client: OpenAI;

  beforeAll(async () => {
    alice = await registerUser('embed-alice');
    const key = await api('POST', '/users/me/api-keys', { token: alice.accessToken, body: { name: 'embeddings sdk' } });
    expect(key.status).toBe(201);
    client = new OpenAI({ baseURL: stack.apiUrl, apiKey: key.body.key, maxRetries: 0 });
  });

  it('answers the official SDK (which asks for base64) with unit vectors whose cosine follows meaning', async () => {
    const res = await client.embeddings.create({
      model: MODEL,
      input: ['How do I reset my password?', 'I forgot my login and cannot sign in', 'The Eiffel Tower is in Paris'],
    });
    expect(res).toMatchObject({ object: 'list', model: MODEL, usage: { prompt_tokens: expect.any(Number), total_tokens: expect.any(Number) } });
    expect(res.usage.prompt_tokens).toBeGreaterThan(15);
    expect(res.data.map((d) => [d.object, d.index])).toEqual([['embedding', 0], ['embedding', 1], ['embedding', 2]]);
    const [a, b, c] = res.data.map((d) => d.embedding);
    expect(a).toHaveLength(384);
    expect(Math.hypot(...a)).toBeCloseTo(1, 4);
    expect(dot(a, b)).toBeGreaterThan(dot(a, c) + 0.2);
  });

  it('answers floats by default, for a single string, equal to the base64 form', async () => {
    const text = 'a cat sits on the mat';
    const floats = await api('POST', '/embeddings', { token: alice.accessToken, body: { model: MODEL, input: text } });
    expect(floats.status).toBe(200);
    expect(floats.body.data).toHaveLength(1);
    const vector = floats.body.data[0].embedding as number[];
    expect(vector.every((x) => typeof x === 'number')).toBe(true);

    const b64 = await api('POST', '/embeddings', { token: alice.accessToken, body: { model: 'all-minilm-l6-v2-q', input: [text], encoding_format: 'base64' } });
    expect(b64.status).toBe(200);
    const bytes = Buffer.from(b64.body.data[0].embedding as string, 'base64');
    const decoded = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(decoded).toHaveLength(384);
    decoded.forEach((x, i) => expect(x).toBeCloseTo(vector[i], 6));
  });

  it('refuses dimensions, another model and malformed input with 400 problems that carry OpenAI\'s error object', async () => {
    const dims = expectProblem(await api('POST', '/embeddings', { token: alice.accessToken, body: { model: MODEL, input: 'x', dimensions: 64 } }), 400);
    expect(dims).toMatchObject({ errors: [{ field: 'dimensions' }], error: { type: 'invalid_request_error', param: 'dimensions' } });
    const sdkError = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }).catch((e: unknown) => e);
    expect(sdkError).toBeInstanceOf(OpenAI.BadRequestError);
    expect((sdkError as InstanceType<typeof OpenAI.BadRequestError>).message).toContain(MODEL);
    for (const input of ['', [], [''], [1, 2, 3], [[1, 2]], null, { text: 'x' }]) {
      const res = await api('POST', '/embeddings', { token: alice.accessToken, body: { model: MODEL, input } });
      expect(expectProblem(res, 400).errors?.[0]?.field).toBe('input');
    }
    expectProblem(await api('POST', '/embeddings', { token: alice.accessToken, body: { model: MODEL, input: 'x', encoding_format: 'int8' } }), 400);
    expectProblem(await api('POST', '/embeddings', { token: alice.accessToken, body: { model: MODEL, input: 'x', extra: true } }), 400);
  });

  it('limits the number and the length of inputs with 413 problems, before any embedding', async () => {
    const tooMany = expectProblem(await api('POST', '/embeddings', { token: alice.accessToken, body: { model: MODEL, input: Array.from({ length: 129 }, (_, i) => `t${i}`) } }), 413);
    expect(tooMany.detail).toMatch(/at most 128 inputs/);
    const tooLong = expectProblem(await api('POST', '/embeddings', { token: alice.accessToken, body: { model: MODEL, input: ['ok', 'x'.repeat(16_385)] } }), 413);
    expect(tooLong.errors).toEqual([{ field: 'input[1]', message: 'at most 16384 characters' }]);
  });

  it('truncates a long input to the model limit instead of failing', async () => {
    const res = await api('POST', '/embeddings', { token: alice.accessToken, body: { model: MODEL, input: 'word '.repeat(3000) } });
    expect(res.status).toBe(200);
    expect(res.body.usage.prompt_tokens).toBe(256);
  });

  it('needs credentials', async () => {
    expectProblem(await api('POST', '/embeddings', { body: { model: MODEL, input: 'x' } }), 401);
  });
});
