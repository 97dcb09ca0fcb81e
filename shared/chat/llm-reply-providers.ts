import { NoProviderForModelError, ProviderName, providerChain, UnknownModelError } from '../domain/model-registry';
import { isProviderError } from '../llm/provider.error';
import { isDependencyDown } from '../errors/dependency-errors';
import { INTERNAL_TURN_PROBLEM, UNAVAILABLE_TURN_PROBLEM } from '../../workflows/chat-turn/chat-turn.contract';
import type { ChatProvider } from '../llm/provider.types';
import type { ClassifiedProviderError, ReplyProviders } from './reply-provider';

const TYPES: Record<string, ClassifiedProviderError['type']> = {
  auth: 'ProviderAuthError',
  bad_request: 'ProviderBadRequestError',
  rate_limited: 'ProviderRateLimitedError',
  upstream: 'ProviderUpstreamError',
  timeout: 'ProviderTimeoutError',
};

/** The chat turn's view of the LLM layer: registry fallback chains over the configured providers. */
export function createReplyProviders(providers: ReadonlyMap<ProviderName, ChatProvider>): ReplyProviders {
  const configured = new Set(providers.keys());
  return {
    candidates(modelId) {
      return providerChain(modelId, configured).map((m) => {
        const provider = providers.get(m.provider)!;
        return {
          provider: m.provider,
          model: m.id,
          contextTokens: m.contextTokens,
          inputPricePerMTok: String(m.inputPricePerMTok),
          outputPricePerMTok: String(m.outputPricePerMTok),
          stream: (req, signal) =>
            provider.stream({ model: m.upstreamModel, messages: req.messages, maxTokens: req.maxTokens, temperature: req.temperature, tools: req.tools }, { signal }),
        };
      });
    },

    classify(err): ClassifiedProviderError {
      if (err instanceof UnknownModelError || err instanceof NoProviderForModelError) {
        return { status: 400, title: 'Unknown model', detail: err.message, retryable: false, type: 'ProviderBadRequestError' };
      }
      if (isProviderError(err)) {
        const status = { auth: 401, rate_limited: 429, bad_request: err.status && err.status < 500 ? err.status : 400, upstream: 502, timeout: 504 }[err.kind];
        const title = { auth: 'Provider rejected the credentials', rate_limited: 'Provider rate limit', bad_request: 'Provider rejected the request', upstream: 'Upstream error', timeout: 'Upstream timeout' }[err.kind];
        return { status, title, detail: `${err.provider}: ${err.message}`, retryable: err.retryable, type: TYPES[err.kind], retryAfterSeconds: err.retryAfterSeconds };
      }
      // Providers raise ProviderErrors: anything else failed in the gateway (no driver text for clients).
      const { status, title, detail, retryAfterSeconds } = isDependencyDown(err) ? UNAVAILABLE_TURN_PROBLEM : INTERNAL_TURN_PROBLEM;
      return { status, title, detail, retryable: true, type: isDependencyDown(err) ? 'DependencyUnavailable' : 'InternalError', retryAfterSeconds };
    },
  };
}
