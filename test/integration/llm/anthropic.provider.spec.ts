import { AnthropicProvider } from '../../../shared/llm/anthropic.provider';
import { ProviderError } from '../../../shared/llm/provider.error';
import type { ProviderEvent } from '../../../shared/llm/provider.types';
import { collect, sseHeaders, startWireServer, writeFrames, type WireServer } from './wire-server';

// Frames as api.anthropic.com sends them for POST /v1/messages with stream: true.
const frame = (type: string, data: string) => `event: ${type}\ndata: ${data}\n\n`;
const messageStart = (input: number) =>
  frame('message_start', `{"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":${input},"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}`);
const textStart = (i: number) => frame('content_block_start', `{"type":"content_block_start","index":${i},"content_block":{"type":"text","text":""}}`);
const textDelta = (i: number, text: string) => frame('content_block_delta', `{"type":"content_block_delta","index":${i},"delta":{"type":"text_delta","text":${JSON.stringify(text)}}}`);
const blockStop = (i: number) => frame('content_block_stop', `{"type":"content_block_stop","index":${i}}`);
const messageDelta = (reason: string, output: number) =>
  frame('message_delta', `{"type":"message_delta","delta":{"stop_reason":"${reason}","stop_sequence":null},"usage":{"output_tokens":${output}}}`);
const PING = frame('ping', '{"type": "ping"}');
const STOP = frame('message_stop', '{"type":"message_stop"}');

const helloFrames = [messageStart(25), textStart(0), PING, textDelta(0, 'Hello'), textDelta(0, '!'), blockStop(0), messageDelta('end_turn', 15), STOP];
const request = { model: 'claude-3-5-haiku-20241022', messages: [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Say hello' }] };

describe('Anthropic provider against a local server speaking the Messages API wire format', () => {
  let server: WireServer;
  const provider = () => new AnthropicProvider({ baseUrl: server.baseUrl, apiKey: 'sk-ant-test' });
  afterEach(() => server?.close());

  it('streams text, usage and finish; sends system at the top level with the API headers', async () => {
    server = await startWireServer(async (_req, res) => {
      sseHeaders(res, { 'request-id': 'req_018EeWyXxfu5pfWkrYcMdjWG' });
      await writeFrames(res, helloFrames);
      res.end();
    });
    const { events, error } = await collect(provider().stream({ ...request, temperature: 0 }));
    expect(error).toBeUndefined();
    expect(events).toEqual<ProviderEvent[]>([
      { type: 'text', delta: 'Hello' },
      { type: 'text', delta: '!' },
      { type: 'usage', inputTokens: 25, outputTokens: 15 },
      { type: 'finish', reason: 'stop' },
    ]);
    const [sent] = server.requests;
    expect(sent.url).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe('sk-ant-test');
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      model: 'claude-3-5-haiku-20241022',
      max_tokens: 1024,
      stream: true,
      system: 'Be brief.',
      temperature: 0,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }],
    });
  });

  it('assembles tool_use input from input_json_delta and maps tool turns to tool_result blocks', async () => {
    server = await startWireServer(async (_req, res) => {
      sseHeaders(res);
      await writeFrames(res, [
        messageStart(472),
        textStart(0),
        textDelta(0, 'Let me check.'),
        blockStop(0),
        frame('content_block_start', '{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}'),
        frame('content_block_delta', '{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}'),
        frame('content_block_delta', '{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\": \\"Pa"}}'),
        frame('content_block_delta', '{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ris\\"}"}}'),
        blockStop(1),
        messageDelta('tool_use', 89),
        STOP,
      ]);
      res.end();
    });
    const tools = [{ name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
    const messages = [
      { role: 'user' as const, content: 'Weather in Rome and Paris?' },
      { role: 'assistant' as const, content: 'Checking Rome.', toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Rome"}' }] },
      { role: 'tool' as const, content: '{"temp":21}', toolCallId: 'toolu_1' },
    ];
    const { events, error } = await collect(provider().stream({ model: 'claude-3-5-haiku-20241022', messages, tools, maxTokens: 200 }));
    expect(error).toBeUndefined();
    expect(events).toEqual<ProviderEvent[]>([
      { type: 'text', delta: 'Let me check.' },
      { type: 'tool_call', call: { id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"city": "Paris"}' } },
      { type: 'usage', inputTokens: 472, outputTokens: 89 },
      { type: 'finish', reason: 'tool_calls' },
    ]);
    const body = server.requests[0].body;
    expect(body.max_tokens).toBe(200);
    expect(body.tools).toEqual([{ name: 'get_weather', description: 'Weather by city', input_schema: tools[0].parameters }]);
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Rome and Paris?' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Checking Rome.' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Rome' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '{"temp":21}' }] },
    ]);
  });

  it('turns an error event inside the 200 stream into a ProviderError, keeping the delivered text', async () => {
    server = await startWireServer(async (_req, res) => {
      sseHeaders(res);
      await writeFrames(res, [messageStart(10), textStart(0), textDelta(0, 'Par'), frame('error', '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}')]);
      res.end();
    });
    const { events, error } = await collect(provider().stream(request));
    expect(events).toEqual([{ type: 'text', delta: 'Par' }]);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'upstream', retryable: true, deliveredText: 'Par' });
    expect((error as Error).message).toContain('overloaded_error');
  });

  it('turns a malformed chunk into an upstream error, not a crash', async () => {
    server = await startWireServer(async (_req, res) => {
      sseHeaders(res);
      await writeFrames(res, [messageStart(10), textStart(0), textDelta(0, 'Hi'), 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_del\n\n', STOP]);
      res.end();
    });
    const { events, error } = await collect(provider().stream(request));
    expect(events).toEqual([{ type: 'text', delta: 'Hi' }]);
    expect(error).toMatchObject({ kind: 'upstream', deliveredText: 'Hi' });
  });

  it('reports a mid-stream disconnect as upstream, with the text delivered before it', async () => {
    server = await startWireServer(async (_req, res) => {
      sseHeaders(res);
      await writeFrames(res, helloFrames.slice(0, 5));
      res.socket?.destroy();
    });
    const { events, error } = await collect(provider().stream(request));
    expect(events).toEqual([{ type: 'text', delta: 'Hello' }, { type: 'text', delta: '!' }]);
    expect(error).toMatchObject({ kind: 'upstream', retryable: true, deliveredText: 'Hello!' });
  });

  it('does not take a clean end before message_stop for a complete answer', async () => {
    server = await startWireServer(async (_req, res) => {
      sseHeaders(res);
      await writeFrames(res, helloFrames.slice(0, 7));
      res.end();
    });
    const { error } = await collect(provider().stream(request));
    expect(error).toMatchObject({ kind: 'upstream', deliveredText: 'Hello!' });
  });

  it('maps 429 with retry-after to rate_limited with the wait', async () => {
    server = await startWireServer((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '12', 'anthropic-ratelimit-requests-reset': new Date(Date.now() + 30_000).toISOString() });
      res.end('{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}');
    });
    const { error } = await collect(provider().stream(request));
    expect(error).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterSeconds: 12, retryable: true });
    expect((error as Error).message).toContain('per-minute rate limit');
  });

  it('falls back to the anthropic-ratelimit reset time without retry-after', async () => {
    server = await startWireServer((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'anthropic-ratelimit-tokens-reset': new Date(Date.now() + 20_000).toISOString() });
      res.end('{"type":"error","error":{"type":"rate_limit_error","message":"rate limited"}}');
    });
    const { error } = await collect(provider().stream(request));
    expect((error as ProviderError).retryAfterSeconds).toBeGreaterThanOrEqual(19);
    expect((error as ProviderError).retryAfterSeconds).toBeLessThanOrEqual(20);
  });

  it('maps 401 to auth and 529 overloaded to a retryable upstream error', async () => {
    const answers: [number, string][] = [
      [401, '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"},"request_id":"req_1"}'],
      [529, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_2"}'],
    ];
    server = await startWireServer((_req, res) => {
      const [status, body] = answers.shift()!;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
    const auth = (await collect(provider().stream(request))).error;
    expect(auth).toMatchObject({ kind: 'auth', status: 401, retryable: false });
    expect((auth as Error).message).toContain('invalid x-api-key');
    expect((await collect(provider().stream(request))).error).toMatchObject({ kind: 'upstream', status: 529, retryable: true });
  });

  it('closes the upstream connection when the caller aborts mid-stream', async () => {
    server = await startWireServer(async (_req, res) => {
      sseHeaders(res);
      await writeFrames(res, helloFrames.slice(0, 4));
    });
    const controller = new AbortController();
    let error: unknown;
    try {
      for await (const event of provider().stream(request, { signal: controller.signal })) {
        if (event.type === 'text') controller.abort();
      }
    } catch (err) {
      error = err;
    }
    expect((error as Error).name).toBe('AbortError');
    await expect(server.clientGone).resolves.toBeUndefined();
  });
});
