// Calls the gateway API with the signed-in user's tokens. The pair lives in sessionStorage (this tab
// only, gone with it) so a reload keeps the session; a 401 is answered once with /auth/refresh.
import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream';

const TOKENS_KEY = 'console.tokens';

export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/** An API error, from its problem+json body when there is one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

async function problemOf(res: Response): Promise<ApiError> {
  let title = res.statusText || `HTTP ${res.status}`;
  let detail = '';
  try {
    const body = (await res.json()) as { title?: unknown; detail?: unknown };
    if (typeof body.title === 'string') title = body.title;
    if (typeof body.detail === 'string') detail = body.detail;
  } catch {
    // Not JSON: the status line says enough.
  }
  return new ApiError(res.status, title, detail);
}

export class ApiClient {
  private tokens: Tokens | null;
  private refreshing: Promise<boolean> | null = null;
  /** Called when the session is over (refresh refused): the page shows the sign-in form. */
  onSignedOut: () => void = () => undefined;

  constructor(readonly base: string) {
    this.tokens = readTokens();
  }

  get signedIn(): boolean {
    return this.tokens !== null;
  }

  setTokens(tokens: Tokens | null): void {
    this.tokens = tokens;
    if (tokens) sessionStorage.setItem(TOKENS_KEY, JSON.stringify({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }));
    else sessionStorage.removeItem(TOKENS_KEY);
  }

  /** A request with the access token; one refresh and retry on 401. Throws ApiError on 4xx/5xx. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    let res = await this.send(path, init);
    if (res.status === 401 && this.tokens && (await this.refresh())) res = await this.send(path, init);
    if (res.status === 401 && this.tokens) {
      this.setTokens(null);
      this.onSignedOut();
    }
    if (!res.ok) throw await problemOf(res);
    return res;
  }

  async json<T>(path: string, init: RequestInit & { body?: BodyInit | null } = {}): Promise<T> {
    const res = await this.fetch(path, init);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.json<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  }

  /** Opens an SSE response (POST or GET) and yields its events until the server ends it or `signal` aborts. */
  async *events(path: string, init: RequestInit): AsyncGenerator<EventSourceMessage> {
    const res = await this.fetch(path, { ...init, headers: { accept: 'text/event-stream', ...(init.headers as Record<string, string>) } });
    if (!res.body) return;
    const reader = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }

  private send(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.tokens) headers.set('authorization', `Bearer ${this.tokens.accessToken}`);
    return fetch(this.base + path, { ...init, headers });
  }

  /** One refresh at a time: refresh tokens are single-use, and reusing one revokes the session. */
  private refresh(): Promise<boolean> {
    this.refreshing ??= (async () => {
      try {
        const res = await fetch(`${this.base}/auth/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refreshToken: this.tokens?.refreshToken ?? '' }),
        });
        if (!res.ok) return false;
        this.setTokens((await res.json()) as Tokens);
        return true;
      } catch {
        return false;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }
}

function readTokens(): Tokens | null {
  try {
    const v = JSON.parse(sessionStorage.getItem(TOKENS_KEY) ?? 'null') as Partial<Tokens> | null;
    return v && typeof v.accessToken === 'string' && typeof v.refreshToken === 'string' ? { accessToken: v.accessToken, refreshToken: v.refreshToken } : null;
  } catch {
    return null;
  }
}
