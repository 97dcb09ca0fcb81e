import { EntityManager } from '@mikro-orm/postgresql';
import { HttpException, Injectable } from '@nestjs/common';
import { Permission } from '../../shared/domain/roles';
import { ChatTurn, Message } from '../../shared/persistence/entities';
import { TERMINAL_EVENTS } from '../../shared/streams/turn-events';
import { Authenticator } from '../common/auth/authenticator.service';
import { problemOfKnownError } from '../common/problem/known-errors';
import { ProblemException, Problems } from '../common/problem/problem.exception';
import { ChatService } from '../chat/chat.service';
import { TurnEventsReader } from '../chat/turn-events.reader';
import { ConversationAccess } from '../conversations/conversation-access.service';
import type { ChatWsConnection } from './chat-ws-connection';
import { ChatWsError } from './chat-ws.error';
import { ChatWsRooms } from './chat-ws-rooms.service';
import { CHAT_WS_CLOSE, CHAT_WS_LIMITS, ClientFrame, ErrorCode } from './chat-ws.protocol';
import { ReadReceiptsRepository } from './read-receipts.repository';

type Frame<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;
type Ack = (extra?: Record<string, unknown>) => void;

/** Rules of the WebSocket chat: access checks, rooms, receipts, and turns through ChatService. */
@Injectable()
export class ChatWsService {
  constructor(
    private readonly chat: ChatService,
    private readonly events: TurnEventsReader,
    private readonly access: ConversationAccess,
    private readonly rooms: ChatWsRooms,
    private readonly receipts: ReadReceiptsRepository,
    private readonly authenticator: Authenticator,
    private readonly em: EntityManager,
  ) {}

  /** Handles one validated request and acks it (when it carries an id); failures throw. */
  async handle(conn: ChatWsConnection, frame: ClientFrame): Promise<void> {
    const ack: Ack = (extra = {}) => {
      if (frame.id !== undefined) conn.send({ type: 'ack', id: frame.id, ...extra });
    };
    switch (frame.type) {
      case 'join':
        return ack(await this.join(conn, frame));
      case 'leave':
        await this.rooms.leave(conn, frame.conversationId);
        return ack({ conversationId: frame.conversationId });
      case 'typing':
        return ack(await this.typing(conn, frame));
      case 'read':
        return ack(await this.read(conn, frame));
      case 'chat':
        return this.startTurn(conn, frame, ack);
      case 'follow':
        return this.follow(conn, frame, ack);
      case 'unfollow':
        this.stopRelay(conn, frame.turnId);
        return ack({ turnId: frame.turnId });
      case 'cancel':
        return ack(await this.cancel(conn, frame));
      case 'auth':
        await this.reauthenticate(conn, frame.token);
        return ack();
      case 'ping':
        if (frame.id !== undefined) conn.send({ type: 'pong', id: frame.id });
        return;
    }
  }

  /** Leaves every room and stops every relay of a closed socket. */
  async disconnect(conn: ChatWsConnection) {
    conn.dropTurns();
    await this.rooms.leaveAll(conn);
  }

  private async join(conn: ChatWsConnection, { conversationId }: Frame<'join'>) {
    await this.recheck(conn, Permission.ConversationsRead);
    await this.access.owned(conn.principal, conversationId);
    if (!conn.inRoom(conversationId)) {
      if ((conn.rooms?.size ?? 0) >= CHAT_WS_LIMITS.maxRooms) throw new ChatWsError('too_many', `At most ${CHAT_WS_LIMITS.maxRooms} rooms per socket`);
      await this.rooms.join(conn, conversationId);
    }
    return { conversationId, lastReadMessageId: await this.receipts.lastRead(conn.userId, conversationId) };
  }

  // Typing is frequent and carries nothing stored: the join's ownership check covers it.
  private async typing(conn: ChatWsConnection, { conversationId, typing }: Frame<'typing'>) {
    if (!conn.inRoom(conversationId)) throw new ChatWsError('not_joined', 'Join the conversation first');
    await this.rooms.broadcast(conversationId, { type: 'typing', conversationId, userId: conn.userId, typing }, conn);
    return { conversationId };
  }

  private async read(conn: ChatWsConnection, { conversationId, messageId }: Frame<'read'>) {
    await this.recheck(conn, Permission.ConversationsRead);
    const conversation = await this.access.owned(conn.principal, conversationId);
    const message = await this.em.findOne(Message, { id: messageId, conversation, deletedAt: null }, { fields: ['id'] });
    if (!message) throw Problems.notFound('Message');
    const stored = await this.receipts.advance(conn.userId, conversationId, messageId);
    if (stored.advanced) await this.rooms.broadcast(conversationId, { type: 'read', conversationId, userId: conn.userId, messageId }, conn);
    return { conversationId, messageId: stored.messageId };
  }

  private async startTurn(conn: ChatWsConnection, frame: Frame<'chat'>, ack: Ack) {
    await this.recheck(conn, Permission.ChatUse);
    this.checkFollowLimit(conn);
    const { type: _type, id: _id, idempotencyKey, ...dto } = frame;
    const turn = await this.chat.startTurn(conn.principal, dto, idempotencyKey);
    await this.relayTurn(conn, turn, '0', () => ack({ turnId: turn.id, conversationId: turn.conversation.id }));
  }

  private async follow(conn: ChatWsConnection, { turnId, lastEventId }: Frame<'follow'>, ack: Ack) {
    await this.recheck(conn, Permission.ChatUse);
    const turn = await this.chat.ownedTurn(conn.principal, turnId);
    if (!conn.turns?.has(turnId)) this.checkFollowLimit(conn);
    await this.relayTurn(conn, turn, lastEventId ?? '0', () => ack({ turnId }));
  }

  private async cancel(conn: ChatWsConnection, { turnId }: Frame<'cancel'>) {
    await this.recheck(conn, Permission.ChatUse);
    const dto = await this.chat.cancel(conn.principal, turnId);
    return { turnId, status: dto.status };
  }

  private checkFollowLimit(conn: ChatWsConnection) {
    if ((conn.turns?.size ?? 0) >= CHAT_WS_LIMITS.maxFollowedTurns) {
      throw new ChatWsError('too_many', `At most ${CHAT_WS_LIMITS.maxFollowedTurns} turns followed per socket; unfollow one first`);
    }
  }

  /**
   * Relays a turn's events after `fromId` to the socket as SSE does (same ids, same order, each
   * once) through this process's single stream reader. The ack goes out before the first event.
   */
  private async relayTurn(conn: ChatWsConnection, turn: ChatTurn, fromId: string, ack: () => void) {
    const turnId = turn.id;
    this.stopRelay(conn, turnId);
    const finished = await this.events.pastRetention(turn);
    if (finished) {
      ack();
      conn.send({ type: finished.type, turnId, eventId: null, data: finished.turn });
      return;
    }
    let held: string[] | null = [];
    let ended = false;
    let unsubscribe: (() => void) | undefined = undefined;
    unsubscribe = await this.events.subscribe(turnId, fromId, (eventId, event) => {
      const text = JSON.stringify({ type: event.type, turnId, eventId, data: event.data });
      if (held) held.push(text);
      else conn.sendRaw(text);
      if (TERMINAL_EVENTS.has(event.type)) {
        ended = true;
        if (unsubscribe) this.stopRelay(conn, turnId, unsubscribe);
      }
    });
    if (ended || !conn.isOpen) unsubscribe();
    else (conn.turns ??= new Map()).set(turnId, unsubscribe);
    ack();
    const backlog = held;
    held = null;
    for (const text of backlog) conn.sendRaw(text);
  }

  /** Stops relaying a turn to this socket; with `only`, that subscription (whether or not it is still the current one). */
  private stopRelay(conn: ChatWsConnection, turnId: string, only?: () => void) {
    const current = conn.turns?.get(turnId);
    if (only && current !== only) return only();
    if (!current) return;
    current();
    conn.turns!.delete(turnId);
    if (conn.turns!.size === 0) conn.turns = null;
  }

  /** Credentials are re-checked on every request that reads or starts something, so a revoke reaches open sockets. */
  private async recheck(conn: ChatWsConnection, permission: Permission) {
    const principal = await this.authenticator.authenticate(conn.bearer);
    if (!principal || principal.userId !== conn.userId) {
      throw new ChatWsError('unauthorized', 'The access token or API key is expired or revoked; reconnect with a fresh one', CHAT_WS_CLOSE.unauthorized);
    }
    conn.principal = principal;
    if (!principal.permissions.has(permission)) throw Problems.forbidden(`Missing permission: ${permission}`);
  }

  private async reauthenticate(conn: ChatWsConnection, token: string) {
    const principal = await this.authenticator.authenticate(token);
    if (!principal) throw new ChatWsError('unauthorized', 'The access token or API key is invalid, expired or revoked');
    if (principal.userId !== conn.userId) throw new ChatWsError('forbidden', 'A socket stays with the user it was opened for');
    conn.principal = principal;
    conn.bearer = token;
  }
}

/** Maps what a handler threw to an `error` frame's code and message (never internals). */
export function errorFrameOf(thrown: unknown): { code: ErrorCode; message: string } | undefined {
  if (thrown instanceof ChatWsError) return { code: thrown.code, message: thrown.message };
  const err = thrown instanceof HttpException ? thrown : (problemOfKnownError(thrown) ?? thrown);
  if (err instanceof ProblemException || err instanceof HttpException) {
    const status = err.getStatus();
    const detail = err instanceof ProblemException ? (err.detail ?? err.title) : err.message;
    return { code: codeOf(status), message: detail };
  }
  return undefined;
}

function codeOf(status: number): ErrorCode {
  switch (status) {
    case 400:
    case 422:
      return 'bad_request';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 429:
      return 'rate_limited';
    case 503:
      return 'unavailable';
    case 502:
    case 504:
      return 'upstream';
    default:
      return status < 500 ? 'bad_request' : 'internal';
  }
}
