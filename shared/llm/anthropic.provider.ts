import { ProviderError, type ProviderErrorKind } from './provider.error';
import type { ChatMessage, ChatProvider, ChatRequest, FinishReason, ProviderEvent, StreamOptions, ToolCall } from './provider.types';
import { postForEvents, parseEventData } from './sse-request';
import { withDeliveredText } from './delivered-text';

export interface AnthropicOptions {
  /** Without the /v1 segment, e.g. https://api.anthropic.com. */
  baseUrl: string;
  apiKey: string;
  /** The Messages API requires max_tokens; this is used when the request sets none. */
  defaultMaxTokens?: number;
  headersTimeoutMs?: number;
  idleTimeoutMs?: number;
}

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown } | { type: 'tool_result'; tool_use_id: string; content: string };

type StreamEvent =
  | { type: 'message_start'; message: { usage?: Usage } }
  | { type: 'content_block_start'; index: number; content_block: { type: string; id?: string; name?: string; text?: string } }
  | { type: 'content_block_delta'; index: number; delta: { type: 'text_delta'; text: string } | { type: 'input_json_delta'; partial_json: string } | { type: string } }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; delta: { stop_reason?: string | null }; usage?: Usage }
  | { type: 'message_stop' }
  | { type: 'ping' }
  | { type: 'error'; error: { type: string; message: string } };

interface Usage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

const STOP_REASONS: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** Anthropic's error types, for errors that arrive inside a 200 stream. */
const ERROR_KINDS: Record<string, ProviderErrorKind> = {
  authentication_error: 'auth',
  permission_error: 'auth',
  rate_limit_error: 'rate_limited',
  invalid_request_error: 'bad_request',
  not_found_error: 'bad_request',
  request_too_large: 'bad_request',
  timeout_error: 'timeout',
};

/** The Messages API (POST /v1/messages, stream: true). */
export class AnthropicProvider implements ChatProvider {
  readonly name = 'anthropic';

  constructor(private readonly options: AnthropicOptions) {}

  stream(request: ChatRequest, { signal }: StreamOptions = {}): AsyncIterable<ProviderEvent> {
    return withDeliveredText(this.events(request, signal));
  }

  private async *events(request: ChatRequest, signal?: AbortSignal): AsyncGenerator<ProviderEvent> {
    const provider = this.name;
    const events = postForEvents({
      provider,
      url: `${this.options.baseUrl.replace(/\/+$/, '')}/v1/messages`,
      headers: { 'x-api-key': this.options.apiKey, 'anthropic-version': '2023-06-01' },
      body: toWireRequest(request, this.options.defaultMaxTokens ?? 1024),
      signal,
      headersTimeoutMs: this.options.headersTimeoutMs ?? 60_000,
      idleTimeoutMs: this.options.idleTimeoutMs ?? 60_000,
    });

    const toolBlocks = new Map<number, ToolCall>();
    let inputTokens = 0;
    let outputTokens = 0;
    let stopReason: string | undefined;
    for await (const message of events) {
      const event = parseEventData<StreamEvent>(provider, message);
      switch (event.type) {
        case 'message_start':
          inputTokens = countInput(event.message.usage);
          outputTokens = event.message.usage?.output_tokens ?? 0;
          break;
        case 'content_block_start':
          if (event.content_block.type === 'tool_use') {
            toolBlocks.set(event.index, { id: event.content_block.id ?? '', name: event.content_block.name ?? '', arguments: '' });
          } else if (event.content_block.type === 'text' && event.content_block.text) {
            yield { type: 'text', delta: event.content_block.text };
          }
          break;
        case 'content_block_delta':
          if (event.delta.type === 'text_delta') {
            const { text } = event.delta as { text: string };
            if (text) yield { type: 'text', delta: text };
          } else if (event.delta.type === 'input_json_delta') {
            const block = toolBlocks.get(event.index);
            if (block) block.arguments += (event.delta as { partial_json: string }).partial_json;
          }
          break;
        case 'content_block_stop': {
          const call = toolBlocks.get(event.index);
          // A tool without parameters streams no input_json_delta at all.
          if (call) yield { type: 'tool_call', call: { ...call, arguments: call.arguments || '{}' } };
          break;
        }
        case 'message_delta':
          if (event.delta.stop_reason) stopReason = event.delta.stop_reason;
          if (event.usage?.output_tokens !== undefined) outputTokens = event.usage.output_tokens;
          if (event.usage?.input_tokens !== undefined) inputTokens = countInput(event.usage);
          break;
        case 'message_stop':
          yield { type: 'usage', inputTokens, outputTokens };
          yield { type: 'finish', reason: STOP_REASONS[stopReason ?? 'end_turn'] ?? stopReason ?? 'stop' };
          return;
        case 'error': {
          const kind = ERROR_KINDS[event.error.type] ?? 'upstream';
          throw new ProviderError(kind, `${provider} failed mid-stream: ${event.error.type}: ${event.error.message}`, { provider });
        }
      }
    }
    throw new ProviderError('upstream', `${provider} stream ended before message_stop`, { provider });
  }
}

/** Cached prompt tokens are input too: they are billed (at a different rate) and fill the context. */
function countInput(usage: Usage | undefined): number {
  return (usage?.input_tokens ?? 0) + (usage?.cache_creation_input_tokens ?? 0) + (usage?.cache_read_input_tokens ?? 0);
}

function toWireRequest(request: ChatRequest, defaultMaxTokens: number) {
  const system = request.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
  return {
    model: request.model,
    max_tokens: request.maxTokens ?? defaultMaxTokens,
    stream: true,
    ...(system ? { system } : {}),
    messages: toWireMessages(request.messages.filter((m) => m.role !== 'system')),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.tools?.length
      ? { tools: request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters })) }
      : {}),
  };
}

/** Tool results travel as user turns; consecutive turns of one role merge, as the API expects alternation. */
function toWireMessages(messages: ChatMessage[]) {
  const wire: { role: 'user' | 'assistant'; content: Block[] }[] = [];
  for (const message of messages) {
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = toBlocks(message);
    const last = wire.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else wire.push({ role, content: blocks });
  }
  return wire;
}

function toBlocks(message: ChatMessage): Block[] {
  if (message.role === 'tool') return [{ type: 'tool_result', tool_use_id: message.toolCallId ?? '', content: message.content }];
  const blocks: Block[] = message.content ? [{ type: 'text', text: message.content }] : [];
  for (const call of message.toolCalls ?? []) {
    blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: parseArguments(call.arguments) });
  }
  return blocks;
}

function parseArguments(text: string): unknown {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return {};
  }
}
