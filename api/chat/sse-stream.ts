import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { PinoLogger } from 'nestjs-pino';

const KEEPALIVE_MS = 15_000;

// One timer for every open stream of the process (not one per connection), created at load time so
// it holds no request's async context.
const open = new Set<SseStream>();
setInterval(() => {
  for (const s of open) s.comment('keepalive');
}, KEEPALIVE_MS).unref();

type Listener = (...args: unknown[]) => void;
type LoggedMessage = { log?: unknown; allLogs?: unknown };

/**
 * pino-http gives every request two chained child loggers (req.log/res.log, req.allLogs/res.allLogs)
 * and a completion listener on the response that holds them: for a stream they would live as long as
 * the connection (≈3.5 KB of heap per idle stream, measured). The stream takes the completion line
 * over — the same line pino-http writes (`request completed` / `request aborted` / `request errored`
 * with req, requestId, res, responseTime), through the root logger — and lets them go.
 * Returns false, leaving everything as it was, when pino-http's listener is not there.
 */
function takeOverRequestLog(reply: FastifyReply): boolean {
  const res = reply.raw;
  const req = reply.request.raw as IncomingMessage & { id?: string };
  const root = PinoLogger.root as PinoLogger['logger'] | undefined;
  const complete = res.listeners('close').find((l) => l.name === 'onResponseComplete') as Listener | undefined;
  if (!root || !complete) return false;
  res.removeListener('close', complete);
  res.removeListener('finish', complete);
  res.removeListener('error', complete);
  // Assigned rather than deleted: deleting would turn both objects into slower dictionaries.
  for (const m of [res, req] as unknown as LoggedMessage[]) {
    m.log = undefined;
    m.allLogs = undefined;
  }

  const startedAt = Date.now() - Math.round(reply.elapsedTime);
  const done = (err?: unknown) => {
    res.removeListener('close', done);
    res.removeListener('finish', done);
    res.removeListener('error', done);
    const fields = { req, requestId: req.id, res, responseTime: Date.now() - startedAt };
    if (err || res.statusCode >= 500) {
      root.info({ ...fields, err: err ?? new Error(`failed with status code ${res.statusCode}`) }, 'request errored');
    } else {
      root.info(fields, !req.readableAborted && res.writableEnded ? 'request completed' : 'request aborted');
    }
  };
  res.on('close', done);
  res.on('finish', done);
  res.on('error', done);
  return true;
}

/** Node keeps the response head it sent as a rope of ~35 strings for the life of the response: keep one flat copy. */
function flattenSentHead(res: ServerResponse) {
  const r = res as ServerResponse & { _header?: unknown };
  // Header values are latin1 (Node rejects anything else), so the round trip is exact.
  if (res.headersSent && typeof r._header === 'string') r._header = Buffer.from(r._header, 'latin1').toString('latin1');
}

/**
 * Server-sent events written straight to the socket: a NestJS @Sse + rxjs Subject per connection
 * measured 3.2× the heap of this.
 */
export class SseStream {
  private closed = false;
  private readonly closeHandlers: (() => void)[] = [];

  constructor(private readonly reply: FastifyReply, headers: Record<string, string> = {}) {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': String(reply.request.id),
      ...headers,
    });
    raw.write(': connected\n\n');
    flattenSentHead(raw);
    takeOverRequestLog(reply);
    open.add(this);
    raw.on('close', () => this.finish());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(handler: () => void) {
    if (this.closed) handler();
    else this.closeHandlers.push(handler);
  }

  send(event: string, data: unknown, id?: string) {
    if (this.closed) return;
    this.reply.raw.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  comment(text: string) {
    if (!this.closed) this.reply.raw.write(`: ${text}\n\n`);
  }

  /** A bare `data:` event (OpenAI's dialect); a string is written as is (e.g. `[DONE]`). */
  data(payload: object | string) {
    if (this.closed) return;
    this.reply.raw.write(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
  }

  end() {
    if (this.closed) return;
    this.reply.raw.end();
    this.finish();
  }

  private finish() {
    if (this.closed) return;
    this.closed = true;
    open.delete(this);
    for (const h of this.closeHandlers.splice(0)) h();
  }
}
