/**
 * One interface over every LLM backend (OpenAI-compatible, Anthropic, the local GGUF model).
 * Plain data only: requests and events cross Temporal activity boundaries and Redis streams.
 */

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  id: string;
  name: string;
  /** The arguments as the model wrote them: a JSON text, assembled from the stream's deltas. */
  arguments: string;
}

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** On a 'tool' message: the call this is the result of. */
  toolCallId?: string;
  /** On an 'assistant' message: the calls the model made in that turn. */
  toolCalls?: ToolCall[];
}

/** A function the model may call; `parameters` is a JSON Schema object. */
export interface ToolDefinition {
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
}

export interface ChatRequest {
  /** The provider's own model name (the registry maps public ids to it). */
  model: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  tools?: ToolDefinition[];
}

/** Why generation stopped, normalised across providers; anything unknown passes through as the provider said it. */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | (string & {});

export type ProviderEvent =
  | { type: 'text'; delta: string }
  | { type: 'tool_call'; call: ToolCall }
  | { type: 'usage'; inputTokens: number; outputTokens: number }
  | { type: 'finish'; reason: FinishReason };

export interface StreamOptions {
  signal?: AbortSignal;
}

export interface ChatProvider {
  /** A stable name for logs, metrics and the registry: 'openai', 'openrouter', 'anthropic', 'local'. */
  readonly name: string;
  /**
   * Streams one completion. The iterable ends after a 'finish' event, or throws a ProviderError
   * (or the signal's AbortError when the caller aborted). Aborting closes the upstream request.
   */
  stream(request: ChatRequest, options?: StreamOptions): AsyncIterable<ProviderEvent>;
}
