import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { DEPENDENCY_RETRY_AFTER_SECONDS, isDependencyDown } from '../../../shared/errors/dependency-errors';
import { NoProviderForModelError, UnknownModelError } from '../../../shared/domain/model-registry';
import { ProviderError } from '../../../shared/llm/provider.error';
import { ProblemException, Problems, retryAfterHeader } from './problem.exception';

export { DEPENDENCY_RETRY_AFTER_SECONDS, isDependencyDown };

/**
 * The problem a known non-HTTP error stands for, or undefined for a genuine bug (a 500).
 * Every error class the chat path can raise is named here, so none of them reaches a client as a 500.
 */
export function problemOfKnownError(err: unknown): ProblemException | undefined {
  if (err instanceof UnknownModelError || err instanceof NoProviderForModelError) {
    return Problems.badRequest(`${err.message}; GET /api/v3/models lists the models available`, [{ field: 'model', message: err.message }]);
  }
  if (err instanceof ProviderError) return problemOfProviderError(err);
  if (err instanceof WorkflowExecutionAlreadyStartedError) return Problems.conflict('This work is already running');
  if (err instanceof UniqueConstraintViolationException) return Problems.conflict('A resource with these values already exists');
  if (isDependencyDown(err)) {
    return Problems.unavailable('A service the gateway depends on is unreachable; retry shortly', DEPENDENCY_RETRY_AFTER_SECONDS);
  }
  return undefined;
}

function problemOfProviderError(err: ProviderError): ProblemException {
  const detail = `${err.provider}: ${err.message}`;
  switch (err.kind) {
    case 'rate_limited':
      return Problems.tooManyRequests(detail, err.retryAfterSeconds ?? 1);
    case 'bad_request':
      return new ProblemException(err.status && err.status >= 400 && err.status < 500 && err.status !== 401 && err.status !== 403 ? err.status : 400, 'Provider rejected the request', detail);
    case 'auth':
      // The gateway's own credentials were refused upstream: not the caller's fault.
      return new ProblemException(502, 'Provider rejected the credentials', detail);
    case 'timeout':
      return new ProblemException(504, 'Upstream timeout', detail);
    default:
      return new ProblemException(502, 'Upstream error', detail, {}, err.retryAfterSeconds ? retryAfterHeader(err.retryAfterSeconds) : {});
  }
}
