import { ProviderError } from '../provider.error';

export interface GenerationQueueOptions {
  /** Generations that run at once (the context's sequences). */
  slots: number;
  /** Callers that may wait for a slot; one more is refused at once. */
  maxQueued: number;
  /** How long a caller waits for a slot before it is refused. */
  maxWaitMs: number;
}

interface Waiter {
  grant: () => void;
}

/**
 * First come, first served access to the local model's sequences, so concurrent turns take turns
 * instead of failing at random. A refusal is a rate limit whose Retry-After estimates when a slot frees:
 * a full queue may be retried soon (retryable); a caller that already waited the maximum is not sent
 * to the back of the queue again (not retryable), so a turn fails after a bounded time.
 */
export class GenerationQueue {
  private active = 0;
  private readonly waiting: Waiter[] = [];
  /** Moving average of how long a generation holds its slot, for Retry-After. */
  private meanHoldMs = 0;

  constructor(private readonly options: GenerationQueueOptions) {}

  get queued(): number {
    return this.waiting.length;
  }

  get running(): number {
    return this.active;
  }

  /** Waits for a slot in arrival order; the returned function gives it back (once). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.active < this.options.slots && !this.waiting.length) return this.take();
    if (this.waiting.length >= this.options.maxQueued) {
      throw this.refusal(`the local model is busy (${this.active} generating, ${this.waiting.length} queued)`, true);
    }
    await new Promise<void>((resolve, reject) => {
      const leave = (error: () => unknown) => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        done();
        reject(error());
      };
      const waiter: Waiter = {
        grant: () => {
          done();
          resolve();
        },
      };
      const waitS = Math.round(this.options.maxWaitMs / 1000);
      const timer = setTimeout(() => leave(() => this.refusal(`waited ${waitS} s for the local model (${this.waiting.length} still queued)`, false)), this.options.maxWaitMs);
      const onAbort = () => leave(() => signal!.reason);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
    return this.take(false);
  }

  /** A granted waiter already holds the slot its predecessor handed over. */
  private take(count = true): () => void {
    if (count) this.active++;
    const started = performance.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const held = performance.now() - started;
      this.meanHoldMs = this.meanHoldMs ? 0.8 * this.meanHoldMs + 0.2 * held : held;
      const next = this.waiting.shift();
      if (next) next.grant();
      else this.active--;
    };
  }

  private refusal(message: string, retryable: boolean): ProviderError {
    // Every slot frees once per mean hold; the caller would be served after the ones queued ahead of it.
    const ahead = this.waiting.length + 1;
    const seconds = Math.ceil(((this.meanHoldMs || 1000) * ahead) / this.options.slots / 1000);
    return new ProviderError('rate_limited', message, { provider: 'local', retryable, retryAfterSeconds: Math.max(1, seconds) });
  }
}
