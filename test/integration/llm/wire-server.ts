import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: any;
}

export interface WireServer {
  baseUrl: string;
  requests: RecordedRequest[];
  /** Resolves when the server sees a client's connection close before the response ended. */
  clientGone: Promise<void>;
  close(): Promise<void>;
}

/** A throw-away HTTP server on 127.0.0.1:0; `handle` writes the provider's bytes. */
export async function startWireServer(handle: (req: RecordedRequest, res: ServerResponse) => void | Promise<void>): Promise<WireServer> {
  const requests: RecordedRequest[] = [];
  let markGone!: () => void;
  const clientGone = new Promise<void>((resolve) => (markGone = resolve));
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: raw ? JSON.parse(raw) : undefined };
      requests.push(recorded);
      res.on('close', () => {
        if (!res.writableFinished) markGone();
      });
      void handle(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    clientGone,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes SSE frames with pauses between them, as a real upstream does. */
export async function writeFrames(res: ServerResponse, frames: string[], pauseMs = 2): Promise<void> {
  for (const frame of frames) {
    if (res.destroyed) return;
    res.write(frame);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

export function sseHeaders(res: ServerResponse, extra: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...extra });
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<{ events: T[]; error?: unknown }> {
  const events: T[] = [];
  try {
    for await (const event of iterable) events.push(event);
    return { events };
  } catch (error) {
    return { events, error };
  }
}
