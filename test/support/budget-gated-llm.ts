import { createServer, request, Server } from 'node:http';
import { StubLlmServer } from './stub-llm-server';

/**
 * The stub LLM behind a gate: requests wait until `open()`, so a test can hold many turns in flight
 * (their budget reservations held) and count them before any completes.
 */
export class GatedStubLlm {
  private readonly stub = new StubLlmServer();
  private server?: Server;
  private upstreamPort = 0;
  private release!: () => void;
  private gate = new Promise<void>((r) => (this.release = r));
  /** Requests waiting at the gate. */
  waiting = 0;

  async start(port: number): Promise<void> {
    this.upstreamPort = await this.stub.start(0);
    this.server = createServer((req, res) => {
      this.waiting++;
      void this.gate.then(() => {
        this.waiting--;
        const up = request({ host: '127.0.0.1', port: this.upstreamPort, method: req.method, path: req.url, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on('error', () => res.destroy());
        req.pipe(up);
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
  }

  open(): void {
    this.release();
  }

  close(): void {
    this.gate = new Promise<void>((r) => (this.release = r));
  }

  async stop(): Promise<void> {
    this.release();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    await this.stub.stop();
  }
}
