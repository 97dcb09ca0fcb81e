/**
 * Every provider failure, classified once so callers decide by kind, not by provider:
 * auth → 401, rate_limited → 429, bad_request → 4xx as given, upstream → 502, timeout → 504.
 */
export type ProviderErrorKind = 'auth' | 'rate_limited' | 'bad_request' | 'upstream' | 'timeout';

const RETRYABLE: Record<ProviderErrorKind, boolean> = {
  auth: false,
  rate_limited: true,
  bad_request: false,
  upstream: true,
  timeout: true,
};

export interface ProviderErrorOptions {
  provider: string;
  status?: number;
  retryAfterSeconds?: number;
  retryable?: boolean;
  cause?: unknown;
}

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly provider: string;
  readonly status?: number;
  readonly retryAfterSeconds?: number;
  readonly retryable: boolean;
  /** Text already yielded to the caller before the failure: it was delivered, a retry must not repeat it blindly. */
  deliveredText = '';

  constructor(kind: ProviderErrorKind, message: string, options: ProviderErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    this.provider = options.provider;
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.retryable = options.retryable ?? RETRYABLE[kind];
  }

  static fromStatus(status: number, message: string, options: ProviderErrorOptions): ProviderError {
    return new ProviderError(kindOfStatus(status), message, { ...options, status });
  }
}

export function kindOfStatus(status: number): ProviderErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limited';
  if (status === 408 || status === 504) return 'timeout';
  if (status >= 400 && status < 500) return 'bad_request';
  return 'upstream';
}

export function isProviderError(err: unknown): err is ProviderError {
  return err instanceof ProviderError;
}
