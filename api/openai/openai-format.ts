import type { TurnEvent } from '../../shared/streams/turn-events';
import type { MessageContent } from './dto/chat-completion.dto';

/** The `error` object OpenAI clients read (the SDKs build their exception message from it). */
export interface OpenAiError {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

const ERROR_TYPES: Record<number, [type: string, code: string | null]> = {
  400: ['invalid_request_error', null],
  401: ['authentication_error', 'invalid_api_key'],
  403: ['permission_error', null],
  404: ['not_found_error', null],
  409: ['conflict_error', null],
  413: ['invalid_request_error', 'request_too_large'],
  429: ['rate_limit_error', 'rate_limit_exceeded'],
  502: ['api_error', 'upstream_error'],
  504: ['api_error', 'upstream_timeout'],
};

export function openAiError(status: number, message: string, param: string | null = null, code?: string | null): OpenAiError {
  const [type, defaultCode] = ERROR_TYPES[status] ?? (status >= 500 ? ['api_error', null] : ['invalid_request_error', null]);
  return { message, type, param, code: code === undefined ? defaultCode : code };
}

/** Text parts are joined with a newline: the providers take plain text. */
export function textOf(content: MessageContent): string {
  return typeof content === 'string' ? content : content.map((p) => p.text).join('\n');
}

export function completionId(turnId: string): string {
  return `chatcmpl-${turnId}`;
}

export function usageOf(inputTokens: number, outputTokens: number): CompletionUsage {
  return { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens };
}

export interface CompletionMeta {
  id: string;
  /** Unix seconds. */
  created: number;
  model: string;
}

export function completionBody(meta: CompletionMeta, content: string, finishReason: string, usage: CompletionUsage) {
  return {
    ...meta,
    object: 'chat.completion' as const,
    choices: [{ index: 0, message: { role: 'assistant' as const, content, refusal: null }, logprobs: null, finish_reason: finishReason }],
    usage,
  };
}

/** What to write for one turn event: `data:` payloads (objects, or the literal [DONE]) and whether the stream ends. */
export interface Frames {
  frames: (object | '[DONE]')[];
  end: boolean;
}

/**
 * Turns a chat turn's events into OpenAI `chat.completion.chunk`s. The first delta carries the role;
 * `done` becomes a finish chunk, a usage chunk (when asked for) and [DONE]. Failures, cancellation and
 * a `reset` after text was sent (a retry or fallback restarting the reply, which this format cannot
 * retract) end the stream with an `error` chunk, as OpenAI does for mid-stream errors.
 */
export class ChunkTranslator {
  private roleSent = false;
  private textSent = false;

  constructor(
    private readonly meta: CompletionMeta,
    private readonly includeUsage: boolean,
  ) {}

  translate(event: TurnEvent): Frames {
    switch (event.type) {
      case 'token':
        if (!event.data.text) return { frames: [], end: false };
        this.textSent = true;
        return { frames: [...this.role(), this.chunk({ content: event.data.text })], end: false };
      case 'done': {
        const frames: Frames['frames'] = [...this.role()];
        if (!this.textSent && event.data.content) frames.push(this.chunk({ content: event.data.content }));
        frames.push(this.chunk({}, event.data.finishReason || 'stop'));
        if (this.includeUsage) {
          const u = event.data.usage;
          frames.push({ ...this.meta, object: 'chat.completion.chunk', choices: [], usage: usageOf(u.inputTokens, u.outputTokens) });
        }
        frames.push('[DONE]');
        return { frames, end: true };
      }
      case 'reset':
        if (!this.textSent) return { frames: [], end: false };
        return this.fail(
          openAiError(
            502,
            'The reply was restarted upstream (a retry or a model fallback) after part of it had been streamed; the OpenAI stream format cannot retract text. Send the request again (with the same Idempotency-Key it replays the finished turn).',
            null,
            'stream_reset',
          ),
        );
      case 'error':
        return this.fail(openAiError(event.data.status, event.data.detail || event.data.title));
      case 'cancelled':
        return this.fail(openAiError(409, 'The turn was cancelled', null, 'turn_cancelled'));
      default:
        return { frames: [], end: false };
    }
  }

  private fail(error: OpenAiError): Frames {
    return { frames: [{ error }], end: true };
  }

  private role(): object[] {
    if (this.roleSent) return [];
    this.roleSent = true;
    return [this.chunk({ role: 'assistant', content: '' })];
  }

  private chunk(delta: Record<string, string>, finishReason: string | null = null) {
    return {
      ...this.meta,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(this.includeUsage ? { usage: null } : {}),
    };
  }
}
