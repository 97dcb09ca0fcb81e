import { ProviderError } from './provider.error';
import type { ChatMessage, ChatProvider, ChatRequest, FinishReason, ProviderEvent, StreamOptions, ToolCall } from './provider.types';
import { postForEvents, parseEventData } from './sse-request';
import { withDeliveredText } from './delivered-text';

export interface OpenAiCompatibleOptions {
  /** 'openai', 'openrouter', 'vllm' …: names the provider in errors and the registry. */
  name: string;
  /** Up to and including the version segment, e.g. https://api.openai.com/v1 or https://openrouter.ai/api/v1. */
  baseUrl: string;
  apiKey?: string;
  /** Sent on every request (OpenRouter's HTTP-Referer and X-Title, for instance). */
  extraHeaders?: Record<string, string>;
  headersTimeoutMs?: number;
  idleTimeoutMs?: number;
}

interface ChunkToolCallDelta {
  index: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface Chunk {
  choices?: { delta?: { content?: string | null; tool_calls?: ChunkToolCallDelta[] }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  /** OpenRouter reports failures after the 200 as a chunk with an error member. */
  error?: { code?: number | string; message?: string };
}

/** The Chat Completions wire format: OpenAI, OpenRouter, vLLM, Ollama, LM Studio. */
export class OpenAiCompatibleProvider implements ChatProvider {
  readonly name: string;

  constructor(private readonly options: OpenAiCompatibleOptions) {
    this.name = options.name;
  }

  stream(request: ChatRequest, { signal }: StreamOptions = {}): AsyncIterable<ProviderEvent> {
    return withDeliveredText(this.events(request, signal));
  }

  private async *events(request: ChatRequest, signal?: AbortSignal): AsyncGenerator<ProviderEvent> {
    const { name, baseUrl, apiKey, extraHeaders } = this.options;
    const events = postForEvents({
      provider: name,
      url: `${baseUrl.replace(/\/+$/, '')}/chat/completions`,
      headers: { ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...extraHeaders },
      body: toWireRequest(request),
      signal,
      headersTimeoutMs: this.options.headersTimeoutMs ?? 60_000,
      idleTimeoutMs: this.options.idleTimeoutMs ?? 60_000,
    });

    const calls = new Map<number, ToolCall>();
    let finish: FinishReason | undefined;
    let usage: ProviderEvent | undefined;
    let done = false;
    for await (const event of events) {
      if (event.data === '[DONE]') {
        done = true;
        break;
      }
      const chunk = parseEventData<Chunk>(name, event);
      if (chunk.error) throw midStreamError(name, chunk.error);
      if (chunk.usage) {
        usage = { type: 'usage', inputTokens: chunk.usage.prompt_tokens ?? 0, outputTokens: chunk.usage.completion_tokens ?? 0 };
      }
      for (const choice of chunk.choices ?? []) {
        const delta = choice.delta ?? {};
        if (delta.content) yield { type: 'text', delta: delta.content };
        for (const part of delta.tool_calls ?? []) {
          const call = calls.get(part.index) ?? { id: '', name: '', arguments: '' };
          if (part.id) call.id = part.id;
          if (part.function?.name) call.name += part.function.name;
          if (part.function?.arguments) call.arguments += part.function.arguments;
          calls.set(part.index, call);
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
    }
    // Peers treat a cut stream that ended with a clean 200 as complete; without [DONE] or a finish_reason it is not.
    if (!done && finish === undefined) {
      throw new ProviderError('upstream', `${name} stream ended before the completion finished`, { provider: name });
    }
    for (const [, call] of [...calls].sort(([a], [b]) => a - b)) yield { type: 'tool_call', call };
    if (usage) yield usage;
    yield { type: 'finish', reason: finish ?? 'stop' };
  }
}

function midStreamError(provider: string, error: NonNullable<Chunk['error']>): ProviderError {
  const status = typeof error.code === 'number' ? error.code : Number(error.code);
  const message = `${provider} failed mid-stream: ${error.message ?? 'unknown error'}`;
  return Number.isInteger(status) && status >= 400
    ? ProviderError.fromStatus(status, message, { provider })
    : new ProviderError('upstream', message, { provider });
}

function toWireRequest(request: ChatRequest) {
  return {
    model: request.model,
    messages: request.messages.map(toWireMessage),
    stream: true,
    stream_options: { include_usage: true },
    ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.tools?.length
      ? { tools: request.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } })) }
      : {}),
  };
}

function toWireMessage(message: ChatMessage) {
  if (message.role === 'tool') return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  if (message.role === 'assistant' && message.toolCalls?.length) {
    return {
      role: 'assistant',
      content: message.content || null,
      tool_calls: message.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
    };
  }
  return { role: message.role, content: message.content };
}
