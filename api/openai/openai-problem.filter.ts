import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from '../common/problem/problem-details.filter';
import { openAiError } from './openai-format';

/**
 * Problems from the OpenAI-compatible routes also carry OpenAI's `error` object, so an OpenAI SDK
 * shows our detail as its error message (it reads `error.message`, `type`, `param`, `code`).
 */
@Catch()
export class OpenAiProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(exception: unknown, host: ArgumentsHost) {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { body, headers } = toProblem(exception, request.url, String(request.id ?? ''));
    if (body.status >= 500) this.logger.error({ err: exception, requestId: request.id, url: request.url }, 'request failed');
    if (reply.sent || reply.raw.headersSent) return;
    body.error ??= openAiError(body.status, body.detail ?? body.title, body.errors?.[0]?.field ?? null);
    void reply.status(body.status).headers(headers).type('application/problem+json').send(body);
  }
}
