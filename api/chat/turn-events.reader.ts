import { Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { ChatTurn, TurnStatus } from '../../shared/persistence/entities';
import { InjectRedis } from '../../shared/redis/redis.module';
import { decodeTurnEvent, TERMINAL_EVENTS, type TurnEvent, turnStreamKey } from '../../shared/streams/turn-events';
import { ChatService } from './chat.service';
import type { ChatTurnDto } from './dto/chat.dto';
import { TurnStreamRelay } from './turn-stream-relay.service';

/** A finished turn whose stream has passed retention, answered from Postgres. */
export interface FinishedTurn {
  /** The terminal event the stream ended with. */
  type: 'done' | 'cancelled' | 'error';
  turn: ChatTurnDto;
  /** That terminal event rebuilt from the turn's rows, for readers that replay events. */
  event: TurnEvent;
}

/**
 * Where every reader of a turn's events (SSE, WebSocket, OpenAI-compatible) gets them: the live
 * Redis stream, replayed from an event id and then followed through this process's one relay, or —
 * past the stream's retention, for a finished turn — the outcome from Postgres.
 */
@Injectable()
export class TurnEventsReader {
  constructor(
    private readonly chat: ChatService,
    private readonly relay: TurnStreamRelay,
    @InjectRedis() private readonly redis: Redis,
  ) {}

  /**
   * The turn's outcome from Postgres when its stream is gone, else undefined (read the stream).
   * A running turn's stream is never gone; for a finished one pass the whole entity.
   */
  async pastRetention(turn: Pick<ChatTurn, 'id' | 'status'> | ChatTurn): Promise<FinishedTurn | undefined> {
    if (turn.status === TurnStatus.Running || (await this.redis.exists(turnStreamKey(turn.id)))) return undefined;
    const dto = await this.chat.describe(turn as ChatTurn);
    const type = turn.status === TurnStatus.Completed ? 'done' : turn.status === TurnStatus.Cancelled ? 'cancelled' : 'error';
    return { type, turn: dto, event: terminalEventOf(dto) };
  }

  /** Events after `fromId` ('0': all), each once and in order, then live ones; returns the unsubscribe. */
  subscribe(turnId: string, fromId: string, onEvent: (id: string, event: TurnEvent) => void): Promise<() => void> {
    return this.relay.subscribe(turnStreamKey(turnId), fromId, onEvent);
  }

  /** The terminal event among the stream's last ones, if it has ended. */
  async terminalEvent(turnId: string): Promise<TurnEvent | undefined> {
    const tail = await this.redis.xrevrange(turnStreamKey(turnId), '+', '-', 'COUNT', 32);
    for (const [, fields] of tail) {
      const event = decodeTurnEvent(fields);
      if (event && TERMINAL_EVENTS.has(event.type)) return event;
    }
    return undefined;
  }
}

/** A finished turn's outcome as the stream would have ended it. */
function terminalEventOf(dto: ChatTurnDto): TurnEvent {
  if (dto.status === TurnStatus.Cancelled) return { type: 'cancelled', data: { messageId: dto.assistantMessageId } };
  if (dto.status !== TurnStatus.Completed) return { type: 'error', data: { status: 502, title: 'Upstream error', detail: dto.error ?? 'The turn failed' } };
  const u = dto.usage;
  return {
    type: 'done',
    data: {
      messageId: dto.assistantMessageId ?? '',
      content: dto.content ?? '',
      finishReason: 'stop',
      usage: { inputTokens: u?.inputTokens ?? 0, outputTokens: u?.outputTokens ?? 0, costUsd: u?.costUsd ?? '0', provider: u?.provider ?? 'unknown', model: dto.model },
      ...(dto.citations ? { citations: dto.citations } : {}),
    },
  };
}
