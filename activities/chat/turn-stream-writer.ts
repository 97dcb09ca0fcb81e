import type Redis from 'ioredis';
import { decodeTurnEvent, encodeTurnEvent, TERMINAL_EVENTS, turnStreamKey, TurnEvent } from '../../shared/streams/turn-events';

/** Appends a turn's events to its Redis stream; each append refreshes the retention. */
export class TurnStreamWriter {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    turnId: string,
    private readonly retentionSeconds: number,
  ) {
    this.key = turnStreamKey(turnId);
  }

  async append(event: TurnEvent): Promise<string> {
    const [[, id]] = (await this.redis
      .multi()
      .xadd(this.key, '*', ...encodeTurnEvent(event))
      .expire(this.key, this.retentionSeconds)
      .exec()) as [[Error | null, string]];
    return id;
  }

  /** Token deltas skip the EXPIRE (set by the first event) to keep the hot path one command. */
  async token(text: string): Promise<void> {
    await this.redis.xadd(this.key, '*', ...encodeTurnEvent({ type: 'token', data: { text } }));
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
