import { HttpException, HttpStatus } from '@nestjs/common';

export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** An RFC 9457 problem. Throw it (or a helper below) from services; the filter renders it. */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super({ title, detail, ...extensions }, status);
  }
}

export const Problems = {
  badRequest: (detail: string, errors?: FieldError[]) =>
    new ProblemException(HttpStatus.BAD_REQUEST, 'Bad request', detail, errors ? { errors } : {}),
  validation: (errors: FieldError[]) =>
    new ProblemException(HttpStatus.BAD_REQUEST, 'Validation failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors }),
  unauthorized: (detail = 'Authentication required') => new ProblemException(HttpStatus.UNAUTHORIZED, 'Unauthorized', detail),
  forbidden: (detail = 'You are not allowed to do this') => new ProblemException(HttpStatus.FORBIDDEN, 'Forbidden', detail),
  /** Also used when a resource exists but belongs to someone else, so ids cannot be probed. */
  notFound: (what: string) => new ProblemException(HttpStatus.NOT_FOUND, 'Not found', `${what} was not found`),
  conflict: (detail: string) => new ProblemException(HttpStatus.CONFLICT, 'Conflict', detail),
  gone: (detail: string) => new ProblemException(HttpStatus.GONE, 'Gone', detail),
  tooManyRequests: (detail: string, retryAfterSeconds: number) =>
    new ProblemException(HttpStatus.TOO_MANY_REQUESTS, 'Too many requests', detail, { retryAfter: retryAfterSeconds }, {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    }),
  unavailable: (detail: string, retryAfterSeconds?: number) =>
    new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'Service unavailable', detail, {}, retryAfterSeconds ? { 'Retry-After': String(retryAfterSeconds) } : {}),
};
