import type Redis from 'ioredis';
import { decodeTurnEvent, encodeTurnEvent, TERMINAL_EVENTS, turnStreamKey, TurnEvent } from '../../shared/streams/turn-events';

/** Appends a turn's events to its Redis stream; each append refreshes the retention. */
export class TurnStreamWriter {
  private readonly key: string;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;

  constructor(
    private readonly redis: Redis,
    turnId: string,
    private readonly retentionSeconds: number,
  ) {
    this.key = turnStreamKey(turnId);
  }

  /** Appends after every token sent so far (order is one connection's order). */
  async append(event: TurnEvent): Promise<string> {
    await this.flush();
    const [[, id]] = (await this.redis
      .multi()
      .xadd(this.key, '*', ...encodeTurnEvent(event))
      .expire(this.key, this.retentionSeconds)
      .exec()) as [[Error | null, string]];
    return id;
  }

  /**
   * Token deltas are not awaited one by one: a Redis stall must not hold up reading the provider.
   * One connection keeps them in order; `flush` waits for all of them and surfaces a failure.
   * They skip the EXPIRE (set by the first event) to keep the hot path one command.
   */
  token(text: string): void {
    const sent = this.redis.xadd(this.key, '*', ...encodeTurnEvent({ type: 'token', data: { text } })).then(
      () => undefined,
      (err: unknown) => {
        this.failure ??= err;
      },
    );
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
  }

  async flush(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  /** Looks at the tail, not just the last entry: a losing racer's stray token may follow a `done`. */
  async hasTerminalEvent(): Promise<boolean> {
    const tail = await this.redis.xrevrange(this.key, '+', '-', 'COUNT', 32);
    return tail.some(([, fields]) => {
      const event = decodeTurnEvent(fields);
      return !!event && TERMINAL_EVENTS.has(event.type);
    });
  }

  async hasTokens(): Promise<boolean> {
    const all = await this.redis.xrevrange(this.key, '+', '-', 'COUNT', 2);
    return all.some(([, fields]) => decodeTurnEvent(fields)?.type === 'token');
  }
}
