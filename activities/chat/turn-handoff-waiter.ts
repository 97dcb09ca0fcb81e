import type Redis from 'ioredis';
import { ABORTS_CHANNEL, DRAFTS_CHANNEL, readHandoff, type TurnDraft } from '../../shared/streams/turn-handoff';

/** A missed publish costs at most this long: the waiter re-reads the lease and draft on this period. */
const RECHECK_MS = 250;

/**
 * The worker's side of the first-step handoff (shared/streams/turn-handoff.ts): one subscriber
 * connection per worker process wakes the activities waiting for an API process's draft.
 */
export class TurnHandoffWaiter {
  private readonly sub: Redis;
  private readonly waiting = new Map<string, Set<() => void>>();

  constructor(private readonly redis: Redis) {
    this.sub = redis.duplicate({ connectionName: 'gateway-worker-handoff', maxRetriesPerRequest: null });
    this.sub.on('message', (_channel: string, turnId: string) => this.waiting.get(turnId)?.forEach((wake) => wake()));
    void this.sub.subscribe(DRAFTS_CHANNEL).catch(() => undefined);
  }

  /**
   * The draft the lease holder left, or null when nobody holds the turn (never leased, or the holder
   * died: its lease lapsed without a draft). On cancellation the holder is told to stop, and its
   * `cancelled` draft (the partial text) is what comes back.
   */
  async wait(turnId: string, signal: AbortSignal): Promise<TurnDraft | null> {
    let wake = () => {};
    const wakers = this.waiting.get(turnId) ?? new Set();
    this.waiting.set(turnId, wakers);
    const waker = () => wake();
    wakers.add(waker);
    const abort = () => void this.redis.publish(ABORTS_CHANNEL, turnId).catch(() => undefined);
    signal.addEventListener('abort', abort, { once: true });
    try {
      for (;;) {
        const { draft, leased } = await readHandoff(this.redis, turnId);
        if (draft) return draft;
        if (!leased) return null;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, RECHECK_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      signal.removeEventListener('abort', abort);
      wakers.delete(waker);
      if (wakers.size === 0) this.waiting.delete(turnId);
    }
  }

  close() {
    this.sub.disconnect();
  }
}
