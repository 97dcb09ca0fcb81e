import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { problemOfKnownError } from './known-errors';
import { methodNotAllowed } from './method-not-allowed';
import { ProblemBody, ProblemException } from './problem.exception';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  406: 'Not acceptable',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

/** Fastify's own errors (body parsing, size limits) carry a 4xx statusCode and an FST_ code. */
function isClientFastifyError(err: unknown): err is { statusCode: number; message: string; code?: string } {
  const e = err as { statusCode?: unknown };
  return typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500;
}

export function toProblem(thrown: unknown, instance?: string, requestId?: string): { body: ProblemBody; headers: Record<string, string> } {
  const exception = thrown instanceof HttpException ? thrown : (problemOfKnownError(thrown) ?? thrown);
  let status = HttpStatus.INTERNAL_SERVER_ERROR;
  let title = TITLES[500];
  let detail: string | undefined = 'An unexpected error occurred; it has been logged.';
  let extensions: Record<string, unknown> = {};
  let headers: Record<string, string> = {};

  if (exception instanceof ProblemException) {
    status = exception.getStatus();
    title = exception.title;
    detail = exception.detail;
    extensions = exception.extensions;
    headers = exception.headers;
  } else if (exception instanceof HttpException) {
    status = exception.getStatus();
    title = TITLES[status] ?? exception.name;
    const res = exception.getResponse();
    const message = typeof res === 'string' ? res : (res as { message?: unknown }).message;
    detail = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : exception.message;
  } else if (isClientFastifyError(exception)) {
    status = exception.statusCode;
    title = TITLES[status] ?? 'Bad request';
    detail = exception.message;
    if (exception.code) extensions = { code: exception.code };
  }

  const body: ProblemBody = { type: 'about:blank', title, status, detail, instance, requestId, ...extensions };
  return { body, headers };
}

/** Every error leaves the API as application/problem+json; 5xx details are logged, never leaked. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(exception: unknown, host: ArgumentsHost) {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const requestId = String((request.raw as { id?: unknown })?.id ?? request.id ?? '');
    const { body, headers } = toProblem(methodNotAllowed(request) ?? exception, request.url, requestId);
    if (body.status >= 500) {
      this.logger.error({ err: exception, requestId, url: request.url }, 'request failed');
    }
    if (reply.sent) return;
    void reply.status(body.status).headers(headers).type('application/problem+json').send(body);
  }
}
