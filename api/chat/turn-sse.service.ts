import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ChatTurn, TurnStatus } from '../../shared/persistence/entities';
import { isStreamId, TERMINAL_EVENTS } from '../../shared/streams/turn-events';
import type { Principal } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';
import { ChatService } from './chat.service';
import type { ChatRequestDto } from './dto/chat.dto';
import { SseStream } from './sse-stream';
import { TurnEventsReader } from './turn-events.reader';

/** SSE for chat turns: start-and-stream, and follow (resuming after Last-Event-ID). */
@Injectable()
export class TurnSseService {
  private readonly log = new Logger(TurnSseService.name);
  constructor(
    private readonly chat: ChatService,
    private readonly events: TurnEventsReader,
    private readonly em: EntityManager,
  ) {}

  async startAndStream(principal: Principal, dto: ChatRequestDto, idempotencyKey: string | undefined, reply: FastifyReply) {
    const turn = await this.chat.startTurn(principal, dto, idempotencyKey);
    await this.stream(turn, '0', reply);
  }

  async follow(principal: Principal, turnId: string, lastEventId: string | undefined, reply: FastifyReply) {
    if (lastEventId !== undefined && !isStreamId(lastEventId)) {
      throw Problems.badRequest('Last-Event-ID must be an event id this API sent', [{ field: 'Last-Event-ID', message: 'invalid' }]);
    }
    // Followers reconnect often and may stay for hours: a plain row, no entity, unless the turn is over.
    const owned = await this.chat.ownedTurnState(principal, turnId);
    const turn = owned.status === TurnStatus.Running ? owned : await this.chat.ownedTurn(principal, turnId);
    await this.stream(turn, lastEventId ?? '0', reply);
  }

  private async stream(turn: Pick<ChatTurn, 'id' | 'status'> | ChatTurn, fromId: string, reply: FastifyReply) {
    // follow() loaded a finished turn whole, as the reader needs.
    const finished = await this.events.pastRetention(turn);
    if (finished) {
      const sse = new SseStream(reply, { 'x-turn-id': turn.id });
      sse.send(finished.type, finished.turn);
      sse.end();
      return;
    }
    const sse = new SseStream(reply, { 'x-turn-id': turn.id });
    let unsubscribe: () => void;
    try {
      unsubscribe = await this.events.subscribe(turn.id, fromId, (id, event) => {
        sse.send(event.type, event.data, id);
        if (TERMINAL_EVENTS.has(event.type)) sse.end();
      });
    } catch (err) {
      // Redis away after the head was sent: end the response (no terminal event), so the client
      // reconnects with Last-Event-ID rather than waiting on a stream that will never move.
      this.log.warn({ err, turnId: turn.id }, 'turn stream unavailable; closing the response');
      sse.end();
      return;
    }
    sse.onClose(unsubscribe);
    // A client resuming after the last event of a finished turn has nothing left to wait for.
    if (!sse.isClosed && turn.status !== TurnStatus.Running && (await this.events.terminalEvent(turn.id).then(Boolean, () => true))) sse.end();
    // The request's entity manager is not used again by this long-lived response.
    this.em.clear();
  }
}
