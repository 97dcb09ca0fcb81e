import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * The problem type (RFC 9457): every error body the API sends, whatever route, protocol or
 * process raised it, is built from this module (bodies) and problem-response.ts (sending them).
 */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

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

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  406: 'Not acceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal server error',
  502: 'Upstream error',
  503: 'Service unavailable',
  504: 'Upstream timeout',
};

export function problemTitle(status: number, fallback = 'Error'): string {
  return TITLES[status] ?? fallback;
}

/** Retry-After in whole seconds, at least 1. */
export function retryAfterHeader(seconds: number): Record<string, string> {
  return { 'Retry-After': String(Math.max(1, Math.ceil(seconds))) };
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

/** Why a turn failed, as its workflow recorded it (TurnProblem in the chat-turn contract). */
export interface TurnFailure {
  status: number;
  title: string;
  detail: string;
  retryAfterSeconds?: number;
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
    new ProblemException(HttpStatus.TOO_MANY_REQUESTS, 'Too many requests', detail, { retryAfter: retryAfterSeconds }, retryAfterHeader(retryAfterSeconds)),
  unavailable: (detail: string, retryAfterSeconds?: number, extensions: Record<string, unknown> = {}) =>
    new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'Service unavailable', detail, extensions, retryAfterSeconds ? retryAfterHeader(retryAfterSeconds) : {}),
  /**
   * A failed turn: the provider's status and words (401, 429, 502, 504…), Retry-After when the
   * provider gave one (a 429 always has one), the turn id, and any extensions the route adds.
   */
  turnFailed: (turnId: string, failure: TurnFailure, extensions: Record<string, unknown> = {}) => {
    const retryAfter = failure.retryAfterSeconds ?? (failure.status === HttpStatus.TOO_MANY_REQUESTS ? 1 : undefined);
    return new ProblemException(failure.status, failure.title, failure.detail, { turnId, ...extensions }, retryAfter ? retryAfterHeader(retryAfter) : {});
  },
};
