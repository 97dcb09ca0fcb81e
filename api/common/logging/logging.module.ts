import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { AppConfig } from '../../../shared/config/app-config';

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's X-Request-Id is kept when well-formed; otherwise one is generated. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && VALID_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Structured JSON logs (pino); every line of a request carries its request id. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: [
          {
            level: config.LOG_LEVEL,
            // main.ts's onRequest hook has already put Fastify's request id on the raw request.
            genReqId: (req) => (req as IncomingMessage & { id?: string }).id ?? requestIdOf(req),
            redact: ['req.headers.authorization', 'req.headers.cookie'],
            customProps: (req) => ({ requestId: (req as IncomingMessage & { id?: string }).id }),
            autoLogging: { ignore: (req) => (req.url ?? '').includes('/monitoring/health') },
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
            },
          },
          // Asynchronous writes: a line per request no longer blocks the event loop on a write(2) each;
          // lines written while one is in flight go out together. pino flushes what is pending on exit.
          pino.destination({ dest: 1, sync: false }),
        ],
      }),
    }),
  ],
})
export class LoggingModule {}
