import type { FastifyReply } from 'fastify';

const KEEPALIVE_MS = 15_000;

// One timer for every open stream of the process (not one per connection), created at load time so
// it holds no request's async context.
const open = new Set<SseStream>();
setInterval(() => {
  for (const s of open) s.comment('keepalive');
}, KEEPALIVE_MS).unref();

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
