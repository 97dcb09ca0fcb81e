import { ProviderError } from '../provider.error';
import { GenerationQueue } from './generation.queue';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GenerationQueue', () => {
  it('serves waiters in arrival order as slots free', async () => {
    const queue = new GenerationQueue({ slots: 2, maxQueued: 10, maxWaitMs: 5_000 });
    const first = await queue.acquire();
    const second = await queue.acquire();
    const order: number[] = [];
    const waiting = [3, 4, 5].map((n) => queue.acquire().then((release) => (order.push(n), release)));
    await tick();
    expect({ running: queue.running, queued: queue.queued }).toEqual({ running: 2, queued: 3 });

    second();
    const third = await waiting[0];
    first();
    const fourth = await waiting[1];
    third();
    const fifth = await waiting[2];
    expect(order).toEqual([3, 4, 5]);
    expect({ running: queue.running, queued: queue.queued }).toEqual({ running: 2, queued: 0 });

    fourth();
    fourth(); // a second release of the same slot is ignored
    fifth();
    expect(queue.running).toBe(0);
    await queue.acquire(); // and a free slot is taken without queueing
    expect(queue.running).toBe(1);
  });

  it('refuses a caller beyond the queue limit at once, as a retryable rate limit with a Retry-After', async () => {
    const queue = new GenerationQueue({ slots: 1, maxQueued: 1, maxWaitMs: 5_000 });
    const held = await queue.acquire();
    const queued = queue.acquire();
    const refused = await queue.acquire().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ProviderError);
    expect(refused).toMatchObject({ kind: 'rate_limited', retryable: true, provider: 'local', retryAfterSeconds: expect.any(Number) });
    expect((refused as ProviderError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    held();
    (await queued)();
  });

  it('refuses a caller that waited the maximum without sending it back to the queue (not retryable)', async () => {
    const queue = new GenerationQueue({ slots: 1, maxQueued: 4, maxWaitMs: 50 });
    const held = await queue.acquire();
    const started = performance.now();
    const refused = await queue.acquire().catch((err: unknown) => err);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(refused).toMatchObject({ kind: 'rate_limited', retryable: false, retryAfterSeconds: expect.any(Number) });
    expect(queue.queued).toBe(0);
    held();
    expect(queue.running).toBe(0);
  });

  it('drops a waiter whose signal aborts, keeping the others in order', async () => {
    const queue = new GenerationQueue({ slots: 1, maxQueued: 4, maxWaitMs: 5_000 });
    const held = await queue.acquire();
    const controller = new AbortController();
    const leaving = queue.acquire(controller.signal).catch((err: unknown) => err);
    const staying = queue.acquire();
    controller.abort();
    expect(await leaving).toMatchObject({ name: 'AbortError' });
    expect(queue.queued).toBe(1);
    held();
    (await staying)();
    expect(queue.running).toBe(0);
    await expect(queue.acquire(AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  });
});
