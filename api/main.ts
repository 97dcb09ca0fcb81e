import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import multipart from '@fastify/multipart';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppConfig, loadConfig } from '../shared/config/app-config';
import { runWithRequestId } from '../shared/observability/request-context';
import { AppModule } from './app.module';
import { registerConsole } from './console/console.static';
import { requestIdOf } from './common/logging/logging.module';
import { API_PREFIX, setupOpenApi } from './common/openapi';
import { methodNotAllowed, routeMethods } from './common/problem/method-not-allowed';
import { toProblem } from './common/problem/problem-details.filter';
import { createValidationPipe } from './common/problem/validation.pipe';

function trustProxy(value: string): boolean | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: trustProxy(config.TRUST_PROXY),
    genReqId: requestIdOf,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  // rawBody: signed inbound webhooks verify the bytes as sent (POST /workflows/:id/webhook).
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, { bufferLogs: true, rawBody: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.setGlobalPrefix(API_PREFIX);
  app.useGlobalPipes(createValidationPipe());
  // POST /files/upload reads parts as streams (never buffered); busboy enforces the per-file size and count.
  await app.register(multipart, {
    limits: { fileSize: config.FILE_MAX_BYTES, files: config.FILE_MAX_PER_UPLOAD, parts: config.FILE_MAX_PER_UPLOAD + 20, fields: 20, fieldSize: 64 * 1024, headerPairs: 100 },
  });

  const fastify = app.getHttpAdapter().getInstance();
  // Before init registers the routes: the problem filter answers 405 from this table.
  routeMethods.track(fastify);
  // The request id is visible to everything the request calls, including workflows it starts.
  fastify.addHook('onRequest', (req, reply, done) => {
    (req.raw as { id?: string }).id = req.id;
    void reply.header('x-request-id', req.id);
    runWithRequestId(req.id, done);
  });
  // Errors raised by Fastify itself (bad JSON, body too large, wrong media type) are problems too.
  fastify.setErrorHandler((err, req, reply) => {
    const { body, headers } = toProblem(methodNotAllowed(req) ?? err, req.url, req.id);
    if (body.status >= 500) req.log.error({ err }, 'request failed');
    void reply.status(body.status).headers(headers).type('application/problem+json').send(body);
  });

  if (config.SWAGGER_ENABLED) setupOpenApi(app);
  await registerConsole(app, config);
  return app;
}

async function bootstrap() {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const app = await createApp(config);
  await app.listen({ port: config.API_PORT, host: config.API_HOST });
}

if (require.main === module) void bootstrap();
