import { WebSocket } from 'ws';
import type { Principal } from '../common/auth/principal';
import { CHAT_WS_CLOSE, CHAT_WS_LIMITS, ServerFrame } from './chat-ws.protocol';

/**
 * One socket's state. Idle sockets are the common case, so the per-room and per-turn
 * collections are created on first use.
 */
export class ChatWsConnection {
  rooms: Set<string> | null = null;
  turns: Map<string, () => void> | null = null;
  alive = true;
  /** Requests are handled one after another, in the order sent. */
  queue: Promise<void> = Promise.resolve();
  queued = 0;

  constructor(
    readonly ws: WebSocket,
    /** Unique across processes: it names this socket in the Redis presence sets. */
    readonly key: string,
    public principal: Principal,
    public bearer: string,
    readonly name: string,
  ) {}

  get userId(): string {
    return this.principal.userId;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: ServerFrame) {
    this.sendRaw(JSON.stringify(frame));
  }

  /** Sends an already-serialised frame (room fan-out serialises once for every socket). */
  sendRaw(text: string) {
    if (!this.isOpen) return;
    if (this.ws.bufferedAmount > CHAT_WS_LIMITS.maxBufferedBytes) {
      this.ws.close(CHAT_WS_CLOSE.tooSlow, 'too slow: resume turns with follow');
      return;
    }
    this.ws.send(text);
  }

  joinRoom(conversationId: string) {
    (this.rooms ??= new Set()).add(conversationId);
  }

  leaveRoom(conversationId: string): boolean {
    const had = this.rooms?.delete(conversationId) ?? false;
    if (this.rooms?.size === 0) this.rooms = null;
    return had;
  }

  inRoom(conversationId: string): boolean {
    return this.rooms?.has(conversationId) ?? false;
  }

  /** Stops relaying every followed turn (on close). */
  dropTurns() {
    for (const unsubscribe of this.turns?.values() ?? []) unsubscribe();
    this.turns = null;
  }
}
