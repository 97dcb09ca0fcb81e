import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { api, expectProblem } from '../support/api-client';
import { registerUser, TestAccount } from '../support/accounts';
import { sql } from '../support/db';
import { stack } from '../support/stack';
import { StubLlmServer } from '../support/stub-llm-server';
import { stubModel, STUB_LLM_PORT } from '../support/stub-llm';

/** The official OpenAI SDK, pointed at the gateway: only baseURL and apiKey change. */
function sdk(apiKey: string) {
  return new OpenAI({ baseURL: stack.apiUrl, apiKey, maxRetries: 0 });
}

const turnIdOf = (completionId: string) => completionId.replace(/^chatcmpl-/, '');

describe('OpenAI-compatible /chat/completions with the official SDK', () => {
  const llm = new StubLlmServer();
  let alice: TestAccount;
  let bob: TestAccount;
  let client: OpenAI;

  beforeAll(async () => {
    await llm.start(STUB_LLM_PORT);
    [alice, bob] = await Promise.all([registerUser('oai-alice'), registerUser('oai-bob')]);
    const key = await api('POST', '/users/me/api-keys', { token: alice.accessToken, body: { name: 'openai sdk' } });
    expect(key.status).toBe(201);
    expect(key.body.key).toMatch(/^gk_/);
    client = sdk(key.body.key);
  });
  afterAll(() => llm.stop());

  it('answers a chat.completion over the whole message list the client sent, as a turn the caller owns', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: stubModel('echo'),
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'first question' },
          { role: 'assistant', content: 'first answer' },
          { role: 'user', content: 'hello sdk' },
        ],
        max_tokens: 50,
        temperature: 0.2,
        user: 'end-user-42',
        n: 1,
        stop: ['\n\n'],
      })
      .withResponse();

    expect(data.id).toMatch(/^chatcmpl-[0-9a-f-]{36}$/);
    expect(data).toMatchObject({
      object: 'chat.completion',
      model: stubModel('echo'),
      choices: [{ index: 0, message: { role: 'assistant', content: 'You said: hello sdk' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 },
    });
    expect(Math.abs(data.created - Date.now() / 1000)).toBeLessThan(60);
    // The provider saw the client's context, in order, with the system message first.
    expect(llm.requests[llm.requests.length - 1].messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'hello sdk' },
    ]);

    const turnId = turnIdOf(data.id);
    expect(response.headers.get('x-turn-id')).toBe(turnId);
    const turn = await api('GET', `/chat/turns/${turnId}`, { token: alice.accessToken });
    expect(turn.body).toMatchObject({ status: 'completed', content: 'You said: hello sdk', usage: { inputTokens: 10, outputTokens: 4 } });
    const conversation = await api('GET', `/conversations/${turn.body.conversationId}`, { token: alice.accessToken });
    expect(conversation.body).toMatchObject({ tags: ['api'], systemPrompt: 'Be brief.' });

    expectProblem(await api('GET', `/chat/turns/${turnId}`, { token: bob.accessToken }), 404);
    expectProblem(await api('GET', `/conversations/${turn.body.conversationId}`, { token: bob.accessToken }), 404);
  });

  it('streams chat.completion.chunk events: role first, content deltas, finish_reason, a usage chunk, [DONE]', async () => {
    const stream = await client.chat.completions.create({
      model: stubModel('echo'),
      messages: [{ role: 'user', content: [{ type: 'text', text: 'stream' }, { type: 'text', text: 'me' }] }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === stubModel('echo'))).toBe(true);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('You said: stream\nme');
    const finishes = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finishes.map((c) => c.choices[0].finish_reason)).toEqual(['stop']);
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    // The stub counts space-separated words: 'You said: stream\nme' is 3.
    expect(last.usage).toEqual({ prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);

    const turn = await api('GET', `/chat/turns/${turnIdOf(last.id)}`, { token: alice.accessToken });
    expect(turn.body).toMatchObject({ status: 'completed', content: text });
  });

  it('speaks the raw wire format too: data-only SSE lines ending with data: [DONE], no usage chunk unless asked', async () => {
    const res = await fetch(`${stack.apiUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: stubModel('echo'), messages: [{ role: 'user', content: 'raw' }], stream: true }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const lines = (await res.text()).split('\n').filter((l) => l.startsWith('data: ') || l.startsWith('event:'));
    expect(lines.some((l) => l.startsWith('event:'))).toBe(false);
    expect(lines[lines.length - 1]).toBe('data: [DONE]');
    const chunks = lines.slice(0, -1).map((l) => JSON.parse(l.slice(6)));
    expect(chunks.every((c) => !('usage' in c) && c.choices.length === 1)).toBe(true);
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('You said: raw');
  });

  it('ends a stream with an error chunk the SDK raises when the turn is stopped mid-reply (text already sent)', async () => {
    const stream = await client.chat.completions.create({ model: stubModel('slow-50'), messages: [{ role: 'user', content: 'stop me' }], stream: true });
    let text = '';
    let cancel: Promise<{ status: number }> | undefined;
    const err = await (async () => {
      for await (const c of stream) {
        text += c.choices[0]?.delta.content ?? '';
        if (text && !cancel) cancel = api('POST', `/chat/turns/${turnIdOf(c.id)}/cancel`, { token: alice.accessToken });
      }
    })().catch((e: unknown) => e);
    expect((await cancel)?.status).toBe(202);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toMatch(/cancelled/);
    expect(text.split(' ').length).toBeLessThan(40);
  });

  it('accepts an access token as the API key', async () => {
    const res = await sdk(alice.accessToken).chat.completions.create({ model: stubModel('echo'), messages: [{ role: 'user', content: 'via jwt' }] });
    expect(res.choices[0].message.content).toBe('You said: via jwt');
  });

  it('never starts two turns for one Idempotency-Key, streamed or not, even concurrently', async () => {
    const key = `oai-${randomUUID()}`;
    const body = { model: stubModel('echo'), messages: [{ role: 'user' as const, content: 'once via sdk' }] };
    const results = await Promise.all([1, 2, 3].map(() => client.chat.completions.create(body, { headers: { 'Idempotency-Key': key } })));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results[0].choices[0].message.content).toBe('You said: once via sdk');

    const replay = await client.chat.completions.create({ ...body, stream: true }, { headers: { 'Idempotency-Key': key } });
    let text = '';
    let id = '';
    for await (const c of replay) {
      id = c.id;
      text += c.choices[0]?.delta.content ?? '';
    }
    expect({ id, text }).toEqual({ id: results[0].id, text: 'You said: once via sdk' });

    const [{ turns }] = await sql<{ turns: number }>('select count(*)::int as turns from chat_turns where idempotency_key = ? and user_id = ?', [key, alice.id]);
    expect(turns).toBe(1);
    // Seeds of the requests that lost the race are removed: one conversation for the one turn.
    const [{ seeds }] = await sql<{ seeds: number }>(`select count(*)::int as seeds from conversations where owner_id = ? and title = 'API: once via sdk'`, [alice.id]);
    expect(seeds).toBe(1);
  });

  it('rejects an unknown model with a 400 the SDK raises as BadRequestError carrying our message', async () => {
    const err = await client.chat.completions.create({ model: 'nope/not-a-model', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e.status).toBe(400);
    expect(e.message).toContain('nope/not-a-model');
    expect(e.message).toContain('GET /api/v3/models');
    expect({ param: e.param, code: e.code, type: e.type }).toEqual({ param: 'model', code: 'model_not_found', type: 'invalid_request_error' });

    const raw = await api('POST', '/chat/completions', { token: alice.accessToken, body: { model: 'nope/not-a-model', messages: [{ role: 'user', content: 'x' }] } });
    expect(expectProblem(raw, 400).detail).toContain('unknown model');
    expect(raw.body.error).toMatchObject({ param: 'model', code: 'model_not_found' });
  });

  it('rejects unsupported fields and messages with 400 problems the SDK reports by field', async () => {
    const base = { model: stubModel('echo'), messages: [{ role: 'user', content: 'x' }] };
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...base, tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }, 'tools', /unknown field "tools"/],
      [{ ...base, n: 2 }, 'n', /n must be 1/],
      [{ ...base, top_p: 0.5 }, 'top_p', /unknown field "top_p"/],
      [{ ...base, temperature: 3 }, 'temperature', /temperature/],
      [{ ...base, messages: [{ role: 'tool', content: 'r' }] }, 'messages.0.role', /tool messages are not supported/],
      [{ ...base, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://x/y.png' } }] }] }, 'messages.0.content', /images/],
      [{ ...base, messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'prefill' }] }, 'messages', /last message must be a user message/],
      [{ ...base, messages: [] }, 'messages', /messages/],
      [{ model: stubModel('echo') }, 'messages', /messages/],
    ];
    for (const [body, param, message] of cases) {
      const err = (await client.chat.completions.create(body as never).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
      expect({ body, cls: err.constructor.name, status: err.status, param: err.param }).toEqual({ body, cls: 'BadRequestError', status: 400, param });
      expect(err.message).toMatch(message);
    }
    const raw = await api('POST', '/chat/completions', { token: alice.accessToken, body: { ...base, seed: 1 } });
    expect(expectProblem(raw, 400).errors).toEqual([{ field: 'seed', message: 'unknown field "seed"' }]);
    expect(raw.body.error).toEqual({ message: expect.stringContaining('seed'), type: 'invalid_request_error', param: 'seed', code: null });
    expectProblem(await api('POST', '/chat/completions', { token: alice.accessToken, rawBody: '{"model":' }), 400);
    const badKey = await api('POST', '/chat/completions', { token: alice.accessToken, body: base, headers: { 'idempotency-key': 'has space' } });
    expect(expectProblem(badKey, 400).errors).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
  });

  it('answers 401 without credentials or with a bad key, as the SDK AuthenticationError', async () => {
    const err = await sdk('gk_not_a_real_key').chat.completions.create({ model: stubModel('echo'), messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as Error).message).toMatch(/invalid, expired or revoked/);
    const raw = await api('POST', '/chat/completions', { body: { model: stubModel('echo'), messages: [{ role: 'user', content: 'x' }] } });
    expectProblem(raw, 401);
    expect(raw.body.error).toMatchObject({ type: 'authentication_error' });
  });

  it('maps provider failures: upstream 401 → 401, upstream 429 → 429 with Retry-After, streamed or not', async () => {
    const auth = await client.chat.completions.create({ model: stubModel('fail-401'), messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((auth as Error).message).toContain('bad key');

    const body = { model: stubModel('fail-429'), messages: [{ role: 'user' as const, content: 'x' }] };
    const [plain, streamed] = await Promise.all([
      client.chat.completions.create(body).catch((e: unknown) => e),
      client.chat.completions.create({ ...body, stream: true }).catch((e: unknown) => e),
    ]);
    for (const err of [plain, streamed]) {
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      const e = err as InstanceType<typeof OpenAI.RateLimitError>;
      expect(e.status).toBe(429);
      expect(e.headers?.get('retry-after')).toBe('7');
      expect(e.message).toContain('rate limited');
      expect(e.type).toBe('rate_limit_error');
    }
  });
});
