import { WebSocket } from 'ws';
import { stack } from './stack';

export interface WsFrame {
  type: string;
  [field: string]: any;
}

export interface RejectedUpgrade {
  status: number;
  contentType?: string;
  body: any;
}

/** The chat socket URL of an API base (`http://host:port/api/v3`). */
export function chatWsUrl(apiUrl = stack.apiUrl, query = ''): string {
  return `${apiUrl.replace(/^http/, 'ws')}/chat/ws${query}`;
}

let seq = 0;

/**
 * A test client for `WS /api/v3/chat/ws`: records every frame, answers requests by id,
 * and waits for frames by predicate (each frame is handed out once by `waitFor`).
 */
export class ChatWsClient {
  readonly frames: WsFrame[] = [];
  private readonly taken = new Set<WsFrame>();
  private waiters: { pred: (f: WsFrame) => boolean; resolve: (f: WsFrame) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as WsFrame;
      this.frames.push(frame);
      for (const w of this.waiters) {
        if (!this.taken.has(frame) && w.pred(frame)) {
          this.taken.add(frame);
          this.waiters = this.waiters.filter((x) => x !== w);
          w.resolve(frame);
        }
      }
    });
    this.closed = new Promise((ok) => ws.once('close', (code, reason) => ok({ code, reason: reason.toString() })));
  }

  /** Opens an authenticated socket (bearer header, or `?access_token=` with `viaQuery`). */
  static async open(token: string, opts: { viaQuery?: boolean; apiUrl?: string } = {}): Promise<ChatWsClient> {
    const ws = opts.viaQuery
      ? new WebSocket(chatWsUrl(opts.apiUrl, `?access_token=${encodeURIComponent(token)}`))
      : new WebSocket(chatWsUrl(opts.apiUrl), { headers: { authorization: `Bearer ${token}` } });
    const client = new ChatWsClient(ws);
    await new Promise<void>((ok, fail) => {
      ws.once('open', () => ok());
      ws.once('error', fail);
      ws.once('unexpected-response', (_req, res) => fail(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    return client;
  }

  /** Tries an upgrade that should be refused, and returns the HTTP answer. */
  static async refused(url: string, headers: Record<string, string> = {}): Promise<RejectedUpgrade> {
    const ws = new WebSocket(url, { headers });
    return new Promise((ok, fail) => {
      ws.once('open', () => {
        ws.terminate();
        fail(new Error('the upgrade was accepted'));
      });
      ws.once('error', () => undefined);
      ws.once('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => ok({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: text ? JSON.parse(text) : undefined }));
      });
    });
  }

  send(frame: object | string) {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a request with a fresh id and resolves with its answer: ack, pong or error. */
  async request(frame: WsFrame, timeoutMs = 15_000): Promise<WsFrame> {
    const id = `r${++seq}`;
    const answer = this.waitFor((f) => f.id === id && ['ack', 'pong', 'error'].includes(f.type), timeoutMs);
    this.send({ ...frame, id });
    return answer;
  }

  /** The first frame (received or to come) matching `pred` and not yet handed out. */
  waitFor(pred: (f: WsFrame) => boolean, timeoutMs = 15_000): Promise<WsFrame> {
    const found = this.frames.find((f) => !this.taken.has(f) && pred(f));
    if (found) {
      this.taken.add(found);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const waiter = { pred, resolve: (f: WsFrame) => (clearTimeout(timer), resolve(f)) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-5))}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Every frame of a turn, once its terminal event (done, error, cancelled) has arrived. */
  async turnEvents(turnId: string, timeoutMs = 30_000): Promise<WsFrame[]> {
    await this.waitFor((f) => f.turnId === turnId && f.type !== 'ack' && ['done', 'error', 'cancelled'].includes(f.type), timeoutMs);
    return this.frames.filter((f) => f.turnId === turnId && f.type !== 'ack');
  }

  /** Frames of a type seen so far (handed out or not). */
  seen(type: string): WsFrame[] {
    return this.frames.filter((f) => f.type === type);
  }

  async close() {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}

/** The text a client shows from turn frames: token deltas, where `reset` drops what came before. */
export function wsVisibleText(frames: WsFrame[]): string {
  let text = '';
  for (const f of frames) {
    if (f.type === 'reset') text = '';
    else if (f.type === 'token') text += f.data.text;
  }
  return text;
}
