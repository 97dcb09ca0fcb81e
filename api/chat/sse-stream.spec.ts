import type { IncomingMessage } from 'node:http';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import Fastify, { FastifyInstance } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { pinoHttp } from 'pino-http';
import { SseStream } from './sse-stream';

/** pino-http as LoggingModule configures it, writing to `lines`; the stream takes its completion line over. */
describe('SseStream request log', () => {
  const lines: Record<string, unknown>[] = [];
  let app: FastifyInstance;
  let base: string;
  const seen: { reqLog?: unknown; resLog?: unknown; listeners?: number } = {};

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    const middleware = pinoHttp(
      {
        genReqId: (req) => (req as IncomingMessage & { id?: string }).id ?? 'none',
        customProps: (req) => ({ requestId: (req as IncomingMessage & { id?: string }).id }),
        serializers: { req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }) },
      },
      sink,
    );
    (PinoLogger as unknown as { root: unknown }).root = middleware.logger;
    app = Fastify({ genReqId: () => `rid-${lines.length}-${Math.random().toString(36).slice(2, 8)}` });
    app.addHook('onRequest', (req, reply, done) => {
      (req.raw as { id?: string }).id = req.id;
      middleware(req.raw, reply.raw, () => done());
    });
    app.get('/idle', (req, reply) => {
      new SseStream(reply);
      const raw = req.raw as IncomingMessage & { log?: unknown };
      seen.reqLog = raw.log;
      seen.resLog = (reply.raw as unknown as { log?: unknown }).log;
      seen.listeners = reply.raw.listeners('close').filter((l) => l.name === 'onResponseComplete').length;
    });
    app.get('/ended', (_req, reply) => {
      const sse = new SseStream(reply);
      sse.send('done', { ok: true }, '1-0');
      sse.end();
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app.close();
    (PinoLogger as unknown as { root: unknown }).root = undefined;
  });

  const waitFor = async (pred: () => boolean) => {
    for (let i = 0; i < 100 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(pred()).toBe(true);
  };

  it('lets go of the per-request child loggers and logs the abort itself, once, as pino-http would', async () => {
    const res = await new Promise<IncomingMessage>((resolve) => get(`${base}/idle`, resolve));
    const rid = String(res.headers['x-request-id']);
    await new Promise((r) => res.once('data', r));
    expect(seen).toEqual({ reqLog: undefined, resLog: undefined, listeners: 0 });
    res.destroy();
    await waitFor(() => lines.some((l) => (l.req as { id?: string })?.id === rid));
    await new Promise((r) => setTimeout(r, 50));
    const mine = lines.filter((l) => (l.req as { id?: string })?.id === rid);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ level: 30, msg: 'request aborted', requestId: rid, req: { id: rid, method: 'GET', url: '/idle' }, res: { statusCode: 200 } });
    expect(typeof mine[0].responseTime).toBe('number');
  });

  it('logs a stream the server ended as completed', async () => {
    const res = await new Promise<IncomingMessage>((resolve) => get(`${base}/ended`, resolve));
    const rid = String(res.headers['x-request-id']);
    let body = '';
    for await (const chunk of res) body += String(chunk);
    expect(body).toContain('id: 1-0\nevent: done\n');
    await waitFor(() => lines.some((l) => (l.req as { id?: string })?.id === rid));
    expect(lines.filter((l) => (l.req as { id?: string })?.id === rid)).toEqual([
      expect.objectContaining({ msg: 'request completed', requestId: rid, res: expect.objectContaining({ statusCode: 200 }) }),
    ]);
  });
});
