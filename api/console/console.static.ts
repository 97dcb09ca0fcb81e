import fastifyStatic from '@fastify/static';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../../shared/config/app-config';
import { API_PREFIX } from '../common/openapi';

/** The bundle `api/console/build-console.mjs` writes; from dist/api/console/ that is dist/console/. */
export const CONSOLE_DIR = join(__dirname, '..', '..', 'console');

// The page loads only its own script and stylesheet and talks only to this origin; model output
// is inserted as text, so nothing else should ever run.
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface ConsoleSettings {
  apiBase: string;
  docsUrl: string | null;
  temporalUiUrl: string | null;
}

/**
 * Serves the web console at `/` (outside the API prefix and its auth guard: the page itself is
 * public, every call it makes carries the user's token). Only the files present at boot are routed.
 */
export async function registerConsole(app: NestFastifyApplication, config: AppConfig, dir = CONSOLE_DIR): Promise<void> {
  if (!existsSync(join(dir, 'index.html'))) {
    new Logger('Console').warn(`web console not built (${dir}): run ./dev reload or node api/console/build-console.mjs`);
    return;
  }
  const settings: ConsoleSettings = {
    apiBase: `/${API_PREFIX}`,
    docsUrl: config.SWAGGER_ENABLED ? `/${API_PREFIX}/docs` : null,
    temporalUiUrl: config.TEMPORAL_UI_URL ?? null,
  };
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: false,
    decorateReply: false,
    cacheControl: false,
    setHeaders: (reply) => {
      void reply.headers({ 'cache-control': 'no-cache', 'content-security-policy': CONSOLE_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
    },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .get('/console-settings.json', (_req, reply) => {
      void reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff').send(settings);
    });
}
