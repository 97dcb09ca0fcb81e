import { ChunkTranslator, completionBody, openAiError, textOf } from './openai-format';

const meta = { id: 'chatcmpl-t1', created: 1700000000, model: 'openai-compatible/echo' };
const usage = { inputTokens: 10, outputTokens: 3, costUsd: '0', provider: 'openai', model: meta.model };

describe('ChunkTranslator', () => {
  it('sends the role in the first delta, then content, a finish chunk and [DONE]', () => {
    const t = new ChunkTranslator(meta, false);
    const first = t.translate({ type: 'token', data: { text: 'Hi' } });
    expect(first.frames).toEqual([
      { ...meta, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] },
      { ...meta, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'Hi' }, logprobs: null, finish_reason: null }] },
    ]);
    expect(t.translate({ type: 'token', data: { text: ' there' } }).frames).toHaveLength(1);
    const done = t.translate({ type: 'done', data: { messageId: 'm', content: 'Hi there', finishReason: 'length', usage } });
    expect(done.end).toBe(true);
    expect(done.frames).toEqual([{ ...meta, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'length' }] }, '[DONE]']);
  });

  it('with include_usage: usage null on every chunk and a usage chunk with no choices before [DONE]', () => {
    const t = new ChunkTranslator(meta, true);
    const [role] = t.translate({ type: 'token', data: { text: 'x' } }).frames as object[];
    expect(role).toMatchObject({ usage: null });
    const { frames } = t.translate({ type: 'done', data: { messageId: 'm', finishReason: 'stop', usage } });
    expect(frames.slice(-2)).toEqual([{ ...meta, object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 } }, '[DONE]']);
  });

  it('a done with no streamed tokens (answered from Postgres) still carries the text', () => {
    const t = new ChunkTranslator(meta, false);
    const { frames } = t.translate({ type: 'done', data: { messageId: 'm', content: 'stored reply', finishReason: 'stop', usage } });
    expect(frames.map((f) => (f === '[DONE]' ? f : (f as { choices: { delta: object }[] }).choices[0].delta))).toEqual([{ role: 'assistant', content: '' }, { content: 'stored reply' }, {}, '[DONE]']);
  });

  it('a reset after text ends the stream with an error chunk; before any text it is ignored', () => {
    const t = new ChunkTranslator(meta, false);
    expect(t.translate({ type: 'reset', data: { attempt: 2, reason: 'retry' } })).toEqual({ frames: [], end: false });
    t.translate({ type: 'token', data: { text: 'partial' } });
    const reset = t.translate({ type: 'reset', data: { attempt: 2, reason: 'fallback:x' } });
    expect(reset.end).toBe(true);
    expect(reset.frames).toEqual([{ error: expect.objectContaining({ code: 'stream_reset', type: 'api_error' }) }]);
  });

  it('errors and cancellation end the stream with an OpenAI error object', () => {
    const t = new ChunkTranslator(meta, false);
    expect(t.translate({ type: 'error', data: { status: 429, title: 'Provider rate limit', detail: 'openai: rate limited' } })).toEqual({
      frames: [{ error: { message: 'openai: rate limited', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } }],
      end: true,
    });
    expect(t.translate({ type: 'cancelled', data: { messageId: null } }).frames).toEqual([{ error: expect.objectContaining({ code: 'turn_cancelled' }) }]);
  });
});

describe('OpenAI shapes', () => {
  it('maps statuses to OpenAI error types', () => {
    expect(openAiError(400, 'bad', 'messages')).toEqual({ message: 'bad', type: 'invalid_request_error', param: 'messages', code: null });
    expect(openAiError(401, 'no').type).toBe('authentication_error');
    expect(openAiError(503, 'down')).toMatchObject({ type: 'api_error' });
  });

  it('joins text parts and builds a chat.completion', () => {
    expect(textOf([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }])).toBe('a\nb');
    expect(completionBody(meta, 'hi', 'stop', { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 })).toMatchObject({
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      usage: { total_tokens: 3 },
    });
  });
});
