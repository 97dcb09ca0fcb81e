import OpenAI from 'openai';
import { MODELS } from '../../shared/domain/model-registry';
import { api, expectProblem } from '../support/api-client';
import { loginAdmin, registerUser, TestAccount } from '../support/accounts';
import { stack } from '../support/stack';
import { StubLlmServer } from '../support/stub-llm-server';
import { stubModel, STUB_LLM_PORT } from '../support/stub-llm';

const MODEL_FIELDS = ['id', 'object', 'created', 'owned_by', 'provider', 'contextTokens', 'inputPricePerMTok', 'outputPricePerMTok', 'fallbacks', 'available'].sort();

describe('/models: the OpenAI-compatible catalogue and usage per model', () => {
  const llm = new StubLlmServer();
  let carol: TestAccount;
  let dave: TestAccount;
  let admin: string;

  beforeAll(async () => {
    await llm.start(STUB_LLM_PORT);
    [carol, dave, admin] = await Promise.all([registerUser('models-carol'), registerUser('models-dave'), loginAdmin()]);
  });
  afterAll(() => llm.stop());

  it('lists the configured models in the OpenAI list shape, enriched; ?all=true lists the whole catalogue', async () => {
    const res = await api('GET', '/models', { token: carol.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.object).toBe('list');
    for (const m of res.body.data) {
      expect(Object.keys(m).sort()).toEqual(MODEL_FIELDS);
      expect(m).toMatchObject({ object: 'model', owned_by: m.provider, available: true, created: expect.any(Number) });
    }
    const ids = res.body.data.map((m: { id: string }) => m.id);
    // The test stack configures the local model and the OpenAI-compatible endpoint.
    expect(ids).toEqual(expect.arrayContaining(['local/smollm2-135m-instruct', 'openai/gpt-4o-mini', 'openai/gpt-4o']));

    const all = await api('GET', '/models?all=true', { token: carol.accessToken });
    expect(all.body.data.map((m: { id: string }) => m.id)).toEqual(MODELS.map((m) => m.id));
    const hidden = all.body.data.filter((m: { id: string }) => !ids.includes(m.id));
    expect(hidden.every((m: { available: boolean }) => m.available === false)).toBe(true);
    expect(all.body.data.find((m: { id: string }) => m.id === 'openai/gpt-4o-mini')).toEqual({
      id: 'openai/gpt-4o-mini',
      object: 'model',
      created: expect.any(Number),
      owned_by: 'openai',
      provider: 'openai',
      contextTokens: 128_000,
      inputPricePerMTok: 0.15,
      outputPricePerMTok: 0.6,
      fallbacks: ['openrouter/openai/gpt-4o-mini'],
      available: true,
    });
    expectProblem(await api('GET', '/models?all=maybe', { token: carol.accessToken }), 400);
    expectProblem(await api('GET', '/models'), 401);
  });

  it('serves one model by an id with slashes, sent as is or URL-encoded (and through the OpenAI SDK)', async () => {
    for (const id of ['openai/gpt-4o-mini', 'local/smollm2-135m-instruct']) {
      const plain = await api('GET', `/models/${id}`, { token: carol.accessToken });
      const encoded = await api('GET', `/models/${encodeURIComponent(id)}`, { token: carol.accessToken });
      expect(plain.status).toBe(200);
      expect(plain.body).toMatchObject({ id, object: 'model' });
      expect(encoded.body).toEqual(plain.body);
    }
    const local = await api('GET', '/models/local/smollm2-135m-instruct', { token: carol.accessToken });
    expect(local.body).toMatchObject({ provider: 'local', contextTokens: 8192, inputPricePerMTok: 0, outputPricePerMTok: 0, fallbacks: [] });

    const client = new OpenAI({ baseURL: stack.apiUrl, apiKey: carol.accessToken, maxRetries: 0 });
    const listed = [];
    for await (const m of client.models.list()) listed.push(m.id);
    expect(listed).toContain('local/smollm2-135m-instruct');
    expect(await client.models.retrieve('openai/gpt-4o-mini')).toMatchObject({ id: 'openai/gpt-4o-mini', owned_by: 'openai' });
    expect(await client.models.retrieve(stubModel('echo'))).toMatchObject({ id: stubModel('echo'), available: true });

    expectProblem(await api('GET', '/models/nope/not-a-model', { token: carol.accessToken }), 404);
    expectProblem(await api('GET', '/models/nope/not-a-model/usage', { token: carol.accessToken }), 404);
  });

  it("reports the caller's usage of a model from the usage records: turns, tokens, exact cost; date filters; admins may ask for a user", async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    // openai/gpt-4o-mini is served by the stub here and priced: 10 in, 4 out ("You said: count me") per turn.
    for (const text of ['count me', 'count me']) {
      const r = await api('POST', '/chat', { token: carol.accessToken, body: { message: text, model: 'openai/gpt-4o-mini' } });
      expect(r.body).toMatchObject({ status: 'completed', usage: { inputTokens: 10, outputTokens: 4 } });
    }
    const echo = await api('POST', '/chat', { token: carol.accessToken, body: { message: 'one two three', model: stubModel('echo') } });
    expect(echo.body.status).toBe('completed');

    const usage = await api('GET', '/models/openai/gpt-4o-mini/usage', { token: carol.accessToken });
    expect(usage.status).toBe(200);
    // 2 × (10 × $0.15 + 4 × $0.60) / 1M = $0.0000078
    expect(usage.body).toEqual({ model: 'openai/gpt-4o-mini', userId: carol.id, from: null, to: null, turns: 2, inputTokens: 20, outputTokens: 8, totalTokens: 28, costUsd: '0.00000780' });
    const echoUsage = await api('GET', `/models/${encodeURIComponent(stubModel('echo'))}/usage`, { token: carol.accessToken });
    expect(echoUsage.body).toMatchObject({ turns: 1, inputTokens: 10, outputTokens: 5, costUsd: '0.00000000' });

    const inRange = await api('GET', `/models/openai/gpt-4o-mini/usage?from=${since}&to=${new Date(Date.now() + 60_000).toISOString()}`, { token: carol.accessToken });
    expect(inRange.body).toMatchObject({ turns: 2, from: since });
    const future = await api('GET', `/models/openai/gpt-4o-mini/usage?from=${new Date(Date.now() + 60_000).toISOString()}`, { token: carol.accessToken });
    expect(future.body).toMatchObject({ turns: 0, inputTokens: 0, costUsd: '0.00000000' });
    const past = await api('GET', '/models/openai/gpt-4o-mini/usage?to=2020-01-01', { token: carol.accessToken });
    expect(past.body.turns).toBe(0);
    expectProblem(await api('GET', '/models/openai/gpt-4o-mini/usage?from=2026-01-02&to=2026-01-01', { token: carol.accessToken }), 400);
    expectProblem(await api('GET', '/models/openai/gpt-4o-mini/usage?from=yesterday', { token: carol.accessToken }), 400);

    // Someone else's usage: their own numbers only; another user's needs an admin.
    const daveOwn = await api('GET', '/models/openai/gpt-4o-mini/usage', { token: dave.accessToken });
    expect(daveOwn.body).toMatchObject({ userId: dave.id, turns: 0 });
    expectProblem(await api('GET', `/models/openai/gpt-4o-mini/usage?userId=${carol.id}`, { token: dave.accessToken }), 403);
    const byAdmin = await api('GET', `/models/openai/gpt-4o-mini/usage?userId=${carol.id}`, { token: admin });
    expect(byAdmin.body).toEqual(usage.body);
    expectProblem(await api('GET', '/models/openai/gpt-4o-mini/usage?userId=00000000-0000-4000-8000-000000000000', { token: admin }), 404);
    expectProblem(await api('GET', '/models/openai/gpt-4o-mini/usage?userId=not-a-uuid', { token: admin }), 400);
  });

  it('compares models side by side with the caller\'s usage of each', async () => {
    const res = await api('GET', '/models/compare?ids=openai/gpt-4o-mini,local/smollm2-135m-instruct,anthropic/claude-sonnet-4', { token: carol.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data.map((m: { id: string }) => m.id)).toEqual(['openai/gpt-4o-mini', 'local/smollm2-135m-instruct', 'anthropic/claude-sonnet-4']);
    const [mini, local, sonnet] = res.body.data;
    expect(mini).toMatchObject({ contextTokens: 128_000, inputPricePerMTok: 0.15, usage: { turns: 2, totalTokens: 28, costUsd: '0.00000780' } });
    expect(local).toMatchObject({ contextTokens: 8192, inputPricePerMTok: 0, usage: { turns: 0, costUsd: '0.00000000' } });
    expect(sonnet).toMatchObject({ provider: 'anthropic', available: false, outputPricePerMTok: 15, usage: { turns: 0 } });

    const dates = await api('GET', `/models/compare?ids=openai/gpt-4o-mini,local/smollm2-135m-instruct&from=${new Date(Date.now() + 60_000).toISOString()}`, { token: carol.accessToken });
    expect(dates.body.data[0].usage.turns).toBe(0);
    expectProblem(await api('GET', '/models/compare?ids=openai/gpt-4o-mini', { token: carol.accessToken }), 400);
    expectProblem(await api('GET', '/models/compare', { token: carol.accessToken }), 400);
    const unknown = expectProblem(await api('GET', '/models/compare?ids=openai/gpt-4o-mini,nope/x', { token: carol.accessToken }), 400);
    expect(unknown.errors).toEqual([{ field: 'ids', message: 'unknown model(s): nope/x' }]);
  });
});
