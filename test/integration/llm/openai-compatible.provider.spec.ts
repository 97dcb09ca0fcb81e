import { OpenAiCompatibleProvider } from '../../../shared/llm/openai-compatible.provider';
import { ProviderError } from '../../../shared/llm/provider.error';
import type { ProviderEvent } from '../../../shared/llm/provider.types';
import { collect, sseHeaders, startWireServer, writeFrames, type WireServer } from './wire-server';

// Chunks as api.openai.com sends them for stream: true with stream_options.include_usage.
const base = '"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306"';
const chunk = (choice: string, usage = 'null') => `data: {${base},"choices":[${choice}],"usage":${usage}}\n\n`;
const delta = (d: string, finish = 'null') => chunk(`{"index":0,"delta":${d},"logprobs":null,"finish_reason":${finish}}`);
const usage = (prompt: number, completion: number) =>
  `data: {${base},"choices":[],"usage":{"prompt_tokens":${prompt},"completion_tokens":${completion},"total_tokens":${prompt + completion},"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}\n\n`;
const DONE = 'data: [DONE]\n\n';

const helloFrames = [
  delta('{"role":"assistant","content":"","refusal":null}'),
  delta('{"content":"Hello"}'),
  delta('{"content":" world"}'),
  delta('{}', '"stop"'),
  usage(9, 2),
  DONE,
];

const request = { model: 'gpt-4o-mini', messages: [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Say hello' }] };

describe('OpenAI-compatible provider against a local server speaking the Chat Completions wire format', () => {
  let server: WireServer;
  const provider = (options: { idleTimeoutMs?: number } = {}) =>
    new OpenAiCompatibleProvider({ name: 'openai', baseUrl: `${server.baseUrl}/v1`, apiKey: 'sk-test', ...options });
  afterEach(() => server?.close());

  it('streams text, then usage, then finish; sends the streaming request as OpenAI expects', async () => {
    server = await startWireServer(async (_req, res) => {
      sseHeaders(res);
      await writeFrames(res, helloFrames);
      res.end();
    });
    const { events, error } = await collect(provider().stream({ ...request, maxTokens: 50, temperature: 0.2 }));
    expect(error).toBeUndefined();
    expect(events).toEqual<ProviderEvent[]>([
      { type: 'text', delta: 'Hello' },
      { type: 'text', delta: ' world' },
      { type: 'usage', inputTokens: 9, outputTokens: 2 },
      { type: 'finish', reason: 'stop' },
    ]);
    const [sent] = server.requests;
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-test');
    expect(sent.body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, max_tokens: 50, temperature: 0.2 });
    expect(sent.body.messages).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }]);
  });

  it('assembles a tool call from its deltas and maps tool turns to the wire', async () => {
    server = await startWireServer(async (_req, res) => {
      sseHeaders(res);
      await writeFrames(res, [
        delta('{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","type":"function","function":{"name":"get_weather","arguments":""}}],"refusal":null}'),
        delta('{"tool_calls":[{"index":0,"function":{"arguments":"{\\""}}]}'),
        delta('{"tool_calls":[{"index":0,"function":{"arguments":"city"}}]}'),
        delta('{"tool_calls":[{"index":0,"function":{"arguments":"\\":\\""}}]}'),
        delta('{"tool_calls":[{"index":0,"function":{"arguments":"Paris"}}]}'),
        delta('{"tool_calls":[{"index":0,"function":{"arguments":"\\"}"}}]}'),
        delta('{}', '"tool_calls"'),
        usage(80, 15),
        DONE,
      ]);
      res.end();
    });
    const tools = [{ name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
    const messages = [
      { role: 'user' as const, content: 'Weather in Paris, then Rome?' },
      { role: 'assistant' as const, content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Rome"}' }] },
      { role: 'tool' as const, content: '{"temp":21}', toolCallId: 'call_1' },
    ];
    const { events, error } = await collect(provider().stream({ model: 'gpt-4o-mini', messages, tools }));
    expect(error).toBeUndefined();
    expect(events).toEqual<ProviderEvent[]>([
      { type: 'tool_call', call: { id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { type: 'usage', inputTokens: 80, outputTokens: 15 },
      { type: 'finish', reason: 'tool_calls' },
    ]);
    const body = server.requests[0].body;
    expect(body.tools).toEqual([{ type: 'function', function: tools[0] }]);
    expect(body.messages[1]).toEqual({ role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }] });
    expect(body.messages[2]).toEqual({ role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' });
  });

  it('turns a malformed chunk into an upstream error, not a crash', async () => {
    server = await startWireServer(async (_req, res) => {
      sseHeaders(res);
      await writeFrames(res, [delta('{"content":"Hel"}'), `data: {${base},"choices":[{"index":0,"delta":{"content":"lo\n\n`, DONE]);
      res.end();
    });
    const { events, error } = await collect(provider().stream(request));
    expect(events).toEqual([{ type: 'text', delta: 'Hel' }]);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'upstream', retryable: true, deliveredText: 'Hel' });
  });

  it('reports a mid-stream disconnect as upstream, with the text delivered before it', async () => {
    server = await startWireServer(async (_req, res) => {
      sseHeaders(res);
      await writeFrames(res, helloFrames.slice(0, 3));
      res.socket?.destroy();
    });
    const { events, error } = await collect(provider().stream(request));
    expect(events.map((e) => e.type)).toEqual(['text', 'text']);
    expect(error).toMatchObject({ kind: 'upstream', retryable: true, deliveredText: 'Hello world' });
  });

  it('does not take a clean end without finish_reason or [DONE] for a complete answer', async () => {
    server = await startWireServer(async (_req, res) => {
      sseHeaders(res);
      await writeFrames(res, helloFrames.slice(0, 3));
      res.end(); // a proxy that cut the stream but closed the chunked body cleanly
    });
    const { events, error } = await collect(provider().stream(request));
    expect(events).toHaveLength(2);
    expect(error).toMatchObject({ kind: 'upstream', deliveredText: 'Hello world' });
  });

  it('maps 429 with Retry-After to rate_limited with the wait', async () => {
    server = await startWireServer((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7', 'x-ratelimit-reset-requests': '1s' });
      res.end('{"error":{"message":"Rate limit reached for gpt-4o-mini in organization org-x on requests per min (RPM): Limit 3, Used 3, Requested 1.","type":"requests","param":null,"code":"rate_limit_exceeded"}}');
    });
    const { error } = await collect(provider().stream(request));
    expect(error).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterSeconds: 7, retryable: true });
    expect((error as Error).message).toContain('Rate limit reached for gpt-4o-mini');
  });

  it('reads OpenAI reset durations when Retry-After is absent', async () => {
    server = await startWireServer((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'x-ratelimit-reset-requests': '1m30s', 'x-ratelimit-reset-tokens': '6s' });
      res.end('{"error":{"message":"Rate limit reached","type":"tokens","param":null,"code":"rate_limit_exceeded"}}');
    });
    const { error } = await collect(provider().stream(request));
    expect(error).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 90 });
  });

  it('maps 401 to auth, not retryable', async () => {
    server = await startWireServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"Incorrect API key provided: sk-test. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}');
    });
    const { error } = await collect(provider().stream(request));
    expect(error).toMatchObject({ kind: 'auth', status: 401, retryable: false });
    expect((error as Error).message).toContain('Incorrect API key provided');
  });

  it('maps 400 and 404 to bad_request and 500 to upstream', async () => {
    const statuses = [400, 404, 500];
    server = await startWireServer((_req, res) => {
      res.writeHead(statuses.shift()!, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"nope","type":"invalid_request_error","param":null,"code":null}}');
    });
    expect((await collect(provider().stream(request))).error).toMatchObject({ kind: 'bad_request', status: 400, retryable: false });
    expect((await collect(provider().stream(request))).error).toMatchObject({ kind: 'bad_request', status: 404 });
    expect((await collect(provider().stream(request))).error).toMatchObject({ kind: 'upstream', status: 500, retryable: true });
  });

  it('closes the upstream connection when the caller aborts mid-stream', async () => {
    server = await startWireServer(async (_req, res) => {
      sseHeaders(res);
      await writeFrames(res, helloFrames.slice(0, 2));
      // then keeps the stream open, as a slow model would
    });
    const controller = new AbortController();
    const received: ProviderEvent[] = [];
    let error: unknown;
    try {
      for await (const event of provider().stream(request, { signal: controller.signal })) {
        received.push(event);
        controller.abort();
      }
    } catch (err) {
      error = err;
    }
    expect(received).toEqual([{ type: 'text', delta: 'Hello' }]);
    expect((error as Error).name).toBe('AbortError');
    await expect(server.clientGone).resolves.toBeUndefined();
  });

  it('times out a stream that stalls', async () => {
    server = await startWireServer(async (_req, res) => {
      sseHeaders(res);
      await writeFrames(res, helloFrames.slice(0, 2));
    });
    const { events, error } = await collect(provider({ idleTimeoutMs: 200 }).stream(request));
    expect(events).toHaveLength(1);
    expect(error).toMatchObject({ kind: 'timeout', retryable: true, deliveredText: 'Hello' });
    await server.clientGone;
  });

  it('handles OpenRouter keep-alive comments and an error reported inside the 200 stream', async () => {
    server = await startWireServer(async (_req, res) => {
      sseHeaders(res);
      await writeFrames(res, [
        ': OPENROUTER PROCESSING\n\n',
        'data: {"id":"gen-1","provider":"OpenAI","model":"openai/gpt-4o-mini","object":"chat.completion.chunk","created":1741570283,"choices":[{"index":0,"delta":{"role":"assistant","content":"Par"},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}\n\n',
        'data: {"id":"gen-1","object":"chat.completion.chunk","created":1741570283,"model":"openai/gpt-4o-mini","provider":"OpenAI","error":{"code":502,"message":"Provider returned error"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error","native_finish_reason":"error"}]}\n\n',
      ]);
      res.end();
    });
    const router = new OpenAiCompatibleProvider({ name: 'openrouter', baseUrl: `${server.baseUrl}/api/v1`, apiKey: 'sk-or-test' });
    const { events, error } = await collect(router.stream({ ...request, model: 'openai/gpt-4o-mini' }));
    expect(events).toEqual([{ type: 'text', delta: 'Par' }]);
    expect(error).toMatchObject({ kind: 'upstream', provider: 'openrouter', deliveredText: 'Par' });
    expect(server.requests[0].url).toBe('/api/v1/chat/completions');
  });
});
