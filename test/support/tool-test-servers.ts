import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: SeenRequest, reply: (status: number, body: string, headers?: Record<string, string>) => void) => void;

/** A local HTTP server that records what it received; tools point at it instead of the internet. */
export class RecordingServer {
  readonly seen: SeenRequest[] = [];
  private server?: Server;
  port = 0;

  constructor(private readonly handler: Handler) {}

  async start(port = 0, host = '127.0.0.1'): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.seen.push(seen);
        this.handler(seen, (status, body, headers = {}) => {
          res.writeHead(status, headers);
          res.end(body);
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, resolve);
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  hits(pathPrefix: string): SeenRequest[] {
    return this.seen.filter((r) => r.url.startsWith(pathPrefix));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The 127.0.0.1 port the stack lets tools reach (TOOL_HTTP_ALLOW_HOSTS, set by ./dev test). */
export function allowedToolPort(): number {
  const entry = (process.env.TOOL_HTTP_ALLOW_HOSTS ?? '').split(',').map((s) => s.trim()).find((s) => s.startsWith('127.0.0.1:'));
  if (!entry) throw new Error('TOOL_HTTP_ALLOW_HOSTS must list 127.0.0.1:<port> for the tools specs');
  return Number(entry.split(':')[1]);
}
