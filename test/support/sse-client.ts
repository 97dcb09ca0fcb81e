import { stack } from './stack';

export interface SseEvent {
  id?: string;
  event: string;
  data: any;
}

export interface SseSession {
  status: number;
  headers: Headers;
  /** Resolves with every event until the server ends the stream (or `stopAfter` says stop). */
  events: Promise<SseEvent[]>;
  /** What arrived so far (still readable after the connection broke). */
  received: SseEvent[];
  abort(): void;
}

export interface SseOptions {
  method?: 'GET' | 'POST';
  token: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Called per event; return true to stop reading (the connection is then dropped). */
  stopAfter?: (event: SseEvent, all: SseEvent[]) => boolean;
  /** Called for every event as it arrives. */
  onEvent?: (event: SseEvent) => void;
  /** Another API process than the stack's (e.g. a second one started by the test). */
  apiUrl?: string;
}

/** A real SSE client over fetch: parses `id:`, `event:` and `data:` fields per the spec. */
export async function openSse(path: string, opts: SseOptions): Promise<SseSession> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${opts.token}`, ...opts.headers };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${opts.apiUrl ?? stack.apiUrl}${path}`, {
    method: opts.method ?? (opts.body !== undefined ? 'POST' : 'GET'),
    headers,
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    signal: controller.signal,
  });
  const all: SseEvent[] = [];
  const events = (async () => {
    if (!res.body || !res.headers.get('content-type')?.startsWith('text/event-stream')) return all;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let sep: number;
        while ((sep = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, sep);
          buffer = buffer.slice(sep + 2);
          const ev: SseEvent = { event: 'message', data: undefined };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const i = line.indexOf(':');
            const field = i < 0 ? line : line.slice(0, i);
            const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
            if (field === 'id') ev.id = value;
            else if (field === 'event') ev.event = value;
            else if (field === 'data') data.push(value);
          }
          if (!data.length) continue;
          ev.data = JSON.parse(data.join('\n'));
          all.push(ev);
          opts.onEvent?.(ev);
          if (opts.stopAfter?.(ev, all)) {
            controller.abort();
            return all;
          }
        }
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    }
    return all;
  })();
  return { status: res.status, headers: res.headers, events, received: all, abort: () => controller.abort() };
}

/** The text a client shows: token deltas, where `reset` drops what came before it. */
export function visibleText(events: SseEvent[]): string {
  let text = '';
  for (const e of events) {
    if (e.event === 'reset') text = '';
    else if (e.event === 'token') text += e.data.text;
  }
  return text;
}
