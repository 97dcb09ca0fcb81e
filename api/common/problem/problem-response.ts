import { HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { problemOfKnownError } from './known-errors';
import { PROBLEM_MEDIA_TYPE, ProblemBody, ProblemException, problemTitle } from './problem.exception';

export interface RenderedProblem {
  body: ProblemBody;
  headers: Record<string, string>;
}

/** Fastify's own errors (body parsing, size limits) carry a 4xx statusCode and an FST_ code. */
function isClientFastifyError(err: unknown): err is { statusCode: number; message: string; code?: string } {
  const e = err as { statusCode?: unknown };
  return typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500;
}

/** Whatever was thrown, as the problem the client gets: known errors mapped, anything else a 500 that says nothing. */
export function toProblem(thrown: unknown, instance?: string, requestId?: string): RenderedProblem {
  const exception = thrown instanceof HttpException ? thrown : (problemOfKnownError(thrown) ?? thrown);
  let status: number = HttpStatus.INTERNAL_SERVER_ERROR;
  let title = problemTitle(500);
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
    title = problemTitle(status, exception.name);
    const res = exception.getResponse();
    const message = typeof res === 'string' ? res : (res as { message?: unknown }).message;
    detail = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : exception.message;
  } else if (isClientFastifyError(exception)) {
    status = exception.statusCode;
    title = problemTitle(status, 'Bad request');
    detail = exception.message;
    if (exception.code) extensions = { code: exception.code };
  }

  return { body: { type: 'about:blank', title, status, detail, instance, requestId, ...extensions }, headers };
}

/** Answers a Fastify reply with the problem (its status, its headers, application/problem+json). */
export function sendProblem(reply: FastifyReply, { body, headers }: RenderedProblem): FastifyReply {
  return reply.status(body.status).headers(headers).type(PROBLEM_MEDIA_TYPE).send(body);
}

/** The whole HTTP/1.1 response for a socket with no reply object yet (a refused WebSocket upgrade). */
export function rawProblemResponse(status: number, detail: string, instance: string, headers: Record<string, string> = {}): string {
  const title = problemTitle(status);
  const body = JSON.stringify({ type: 'about:blank', title, status, detail, instance } satisfies ProblemBody);
  const lines = [`HTTP/1.1 ${status} ${title}`, 'Connection: close', `Content-Type: ${PROBLEM_MEDIA_TYPE}`, `Content-Length: ${Buffer.byteLength(body)}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
