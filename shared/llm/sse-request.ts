import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { ProviderError } from './provider.error';
import { retryAfterSeconds } from './retry-after';

export interface SseRequest {
  provider: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  signal?: AbortSignal;
  /** Until the response headers arrive. */
  headersTimeoutMs: number;
  /** Between two body chunks once streaming. */
  idleTimeoutMs: number;
}

/**
 * POSTs a JSON body and yields the response's server-sent events. Non-2xx answers, network failures,
 * timeouts and cut connections become ProviderErrors; the caller's abort is rethrown as its own reason.
 * Leaving the loop early (break, throw) aborts the request, which closes the connection.
 */
export async function* postForEvents(req: SseRequest): AsyncGenerator<EventSourceMessage> {
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(req.signal?.reason);
  req.signal?.addEventListener('abort', forwardAbort, { once: true });
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, ms);
  };
  const classify = (err: unknown): unknown => {
    if (err instanceof ProviderError) return err;
    if (req.signal?.aborted) return req.signal.reason;
    if (timedOut) return new ProviderError('timeout', `${req.provider} did not answer in time`, { provider: req.provider, cause: err });
    const detail = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    return new ProviderError('upstream', `${req.provider} connection failed: ${detail}`, { provider: req.provider, cause: err });
  };

  try {
    req.signal?.throwIfAborted();
    arm(req.headersTimeoutMs);
    let response: Response;
    try {
      response = await fetch(req.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...req.headers },
        body: JSON.stringify(req.body),
        signal: controller.signal,
      });
    } catch (err) {
      throw classify(err);
    }
    if (!response.ok) throw await errorFromResponse(req.provider, response).catch(classify);
    if (!response.body) throw new ProviderError('upstream', `${req.provider} sent no body`, { provider: req.provider });

    const pending: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (event) => pending.push(event) });
    const decoder = new TextDecoder();
    arm(req.idleTimeoutMs);
    try {
      for await (const chunk of response.body) {
        arm(req.idleTimeoutMs);
        parser.feed(decoder.decode(chunk, { stream: true }));
        while (pending.length) yield pending.shift()!;
      }
    } catch (err) {
      throw classify(err);
    }
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', forwardAbort);
    controller.abort(); // a no-op after a complete read; otherwise it closes the connection
  }
}

/** Maps an error answer to a ProviderError, with the provider's own message when its body has one. */
export async function errorFromResponse(provider: string, response: Response): Promise<ProviderError> {
  const text = await response.text();
  let message = text.slice(0, 500) || response.statusText;
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    message = (typeof body.error === 'string' ? body.error : body.error?.message) ?? body.message ?? message;
  } catch {
    // not JSON: keep the text
  }
  return ProviderError.fromStatus(response.status, `${provider} answered ${response.status}: ${message}`, {
    provider,
    retryAfterSeconds: response.status === 429 || response.status === 529 ? retryAfterSeconds(response.headers) : undefined,
  });
}

/** Parses one event's JSON data; a malformed chunk is the upstream's fault, not a crash. */
export function parseEventData<T>(provider: string, event: EventSourceMessage): T {
  try {
    return JSON.parse(event.data) as T;
  } catch (err) {
    throw new ProviderError('upstream', `${provider} sent a malformed stream chunk: ${event.data.slice(0, 200)}`, { provider, cause: err });
  }
}
