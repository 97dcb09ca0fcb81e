import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { methodNotAllowed } from './method-not-allowed';
import { sendProblem, toProblem } from './problem-response';

export { toProblem };

/** Every error leaves the API as application/problem+json; 5xx details are logged, never leaked. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(exception: unknown, host: ArgumentsHost) {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const requestId = String((request.raw as { id?: unknown })?.id ?? request.id ?? '');
    const problem = toProblem(methodNotAllowed(request) ?? exception, request.url, requestId);
    if (problem.body.status >= 500) {
      this.logger.error({ err: exception, requestId, url: request.url }, 'request failed');
    }
    if (reply.sent) return;
    void sendProblem(reply, problem);
  }
}
