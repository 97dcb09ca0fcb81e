import type { FastifyReply } from 'fastify';

const KEEPALIVE_MS = 15_000;

/** OpenAI-style server-sent events: bare `data:` lines (no event names), written straight to the socket. */
export class OpenAiSseWriter {
  private closed = false;
  private readonly keepalive: NodeJS.Timeout;
  private readonly closeHandlers: (() => void)[] = [];

  constructor(private readonly reply: FastifyReply, headers: Record<string, string> = {}) {
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': String(reply.request.id),
      ...headers,
    });
    this.keepalive = setInterval(() => reply.raw.write(': keepalive\n\n'), KEEPALIVE_MS);
    this.keepalive.unref();
    reply.raw.on('close', () => this.finish());
  }

  onClose(handler: () => void) {
    if (this.closed) handler();
    else this.closeHandlers.push(handler);
  }

  data(payload: object | '[DONE]') {
    if (this.closed) return;
    this.reply.raw.write(`data: ${payload === '[DONE]' ? payload : JSON.stringify(payload)}\n\n`);
  }

  end() {
    if (this.closed) return;
    this.reply.raw.end();
    this.finish();
  }

  private finish() {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepalive);
    for (const h of this.closeHandlers.splice(0)) h();
  }
}
