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
  type: 'ProviderAuthError' | 'ProviderBadRequestError' | 'ProviderRateLimitedError' | 'ProviderUpstreamError' | 'ProviderTimeoutError' | InternalFailureType;
  retryAfterSeconds?: number;
}

/** A failure of the gateway itself (Redis, Postgres, a bug) met while calling a provider: never the provider's. */
export type InternalFailureType = 'DependencyUnavailable' | 'InternalError';

export function isInternalFailure(problem: Pick<ClassifiedProviderError, 'type'>): boolean {
  return problem.type === 'DependencyUnavailable' || problem.type === 'InternalError';
}

export interface ReplyProviders {
  candidates(model: string): ReplyCandidate[];
  classify(err: unknown): ClassifiedProviderError;
}
