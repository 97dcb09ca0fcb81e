import type { ChatMessage, ProviderEvent, ToolDefinition } from '../llm/provider.types';

/**
 * What the chat activity needs from the LLM layer: for a model, an ordered chain of candidates
 * (the model, then its fallbacks), each able to stream a reply.
 */
export interface ReplyRequest {
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  tools?: ToolDefinition[];
}

export interface ReplyCandidate {
  /** Provider name recorded on usage (local, openai, anthropic, openrouter). */
  provider: string;
  /** Registry id of the model actually used. */
  model: string;
  contextTokens: number;
  /** USD per million tokens, as decimal strings. */
  inputPricePerMTok: string;
  outputPricePerMTok: string;
  stream(request: ReplyRequest, signal: AbortSignal): AsyncIterable<ProviderEvent>;
}

/** A provider failure as the turn reports it (problem fields) and decides on it (retryable). */
export interface ClassifiedProviderError {
  status: number;
  title: string;
  detail: string;
  retryable: boolean;
  type: 'ProviderAuthError' | 'ProviderBadRequestError' | 'ProviderRateLimitedError' | 'ProviderUpstreamError' | 'ProviderTimeoutError';
  retryAfterSeconds?: number;
}

export interface ReplyProviders {
  candidates(model: string): ReplyCandidate[];
  classify(err: unknown): ClassifiedProviderError;
}
