import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem, toProblem } from '../common/problem/problem-response';
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
    const problem = toProblem(exception, request.url, String(request.id ?? ''));
    const { body } = problem;
    if (body.status >= 500) this.logger.error({ err: exception, requestId: request.id, url: request.url }, 'request failed');
    if (reply.sent || reply.raw.headersSent) return;
    body.error ??= openAiError(body.status, body.detail ?? body.title, body.errors?.[0]?.field ?? null);
    void sendProblem(reply, problem);
  }
}
