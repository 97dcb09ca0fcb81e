/**
 * The WebSocket chat protocol at `WS /api/v3/chat/ws` (README: "WebSocket chat"). Clients may
 * import this file: it holds only names, limits and frame types.
 *
 * Every frame is one JSON text message `{ type, ... }`. A client request may carry an `id`
 * (1-64 visible ASCII characters); the server answers it with `ack { id, ... }` or
 * `error { id, code, message }`. Requests without an id get errors but no ack.
 * Requests of one socket are handled in the order they were sent.
 */
export const CHAT_WS_PATH = '/api/v3/chat/ws';

export const CHAT_WS_LIMITS = {
  /** A larger text frame gets `error too_large`; the socket stays open. */
  maxMessageBytes: 512 * 1024,
  /** Past this the socket is closed with 1009 (the ws library refuses to buffer it). */
  hardMaxFrameBytes: 1024 * 1024,
  /** Requests waiting to be handled on one socket; more get `error rate_limited`. */
  maxQueuedRequests: 32,
  /** Turns one socket follows at once. */
  maxFollowedTurns: 16,
  /** Rooms one socket is in at once. */
  maxRooms: 64,
  /** Sockets in one conversation's room, over every process (presence frames list them all). */
  maxSocketsPerRoom: 32,
  /** The server pings this often; a socket that has not answered the previous ping is dropped. */
  heartbeatMs: 30_000,
  /** A socket whose unsent output exceeds this is dropped (it can resume with `follow`). */
  maxBufferedBytes: 4 * 1024 * 1024,
} as const;

/** Close codes beyond the standard ones. */
export const CHAT_WS_CLOSE = {
  /** The credential expired or was revoked; reconnect with a fresh one. */
  unauthorized: 4401,
  /** The socket fell too far behind on output. */
  tooSlow: 4408,
} as const;

// ---- client → server ----------------------------------------------------------------------

interface Request<T extends string> {
  type: T;
  id?: string;
}

export type ClientFrame =
  | (Request<'join'> & { conversationId: string })
  | (Request<'leave'> & { conversationId: string })
  | (Request<'typing'> & { conversationId: string; typing: boolean })
  | (Request<'read'> & { conversationId: string; messageId: string })
  | (Request<'chat'> & {
      conversationId?: string;
      message: string;
      model?: string;
      idempotencyKey?: string;
      parentMessageId?: string;
      maxTokens?: number;
      temperature?: number;
    })
  | (Request<'follow'> & { turnId: string; lastEventId?: string })
  | (Request<'unfollow'> & { turnId: string })
  | (Request<'cancel'> & { turnId: string })
  /** Swaps the socket's credential for a fresh one of the same user (access tokens expire). */
  | (Request<'auth'> & { token: string })
  | Request<'ping'>;

export type ClientFrameType = ClientFrame['type'];

// ---- server → client ----------------------------------------------------------------------

export type ErrorCode =
  | 'bad_json'
  | 'invalid_message'
  | 'unknown_type'
  | 'too_large'
  | 'rate_limited'
  | 'not_joined'
  | 'too_many'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'bad_request'
  | 'unavailable'
  /** A provider failed or timed out (HTTP 502/504). */
  | 'upstream'
  | 'internal';

export interface PresenceUser {
  userId: string;
  name: string;
}

/** Turn events carry the Redis stream id as `eventId` (the SSE `id:`); null when answered from Postgres. */
export type TurnFrameType = 'turn' | 'token' | 'reset' | 'tool' | 'done' | 'error' | 'cancelled';

export type ServerFrame =
  | { type: 'ack'; id: string; [extra: string]: unknown }
  /** A protocol error; a turn's own `error` event is told apart by its `turnId`. */
  | { type: 'error'; id?: string; code: ErrorCode; message: string }
  | { type: 'pong'; id?: string }
  | { type: 'presence'; conversationId: string; users: PresenceUser[] }
  | { type: 'typing'; conversationId: string; userId: string; typing: boolean }
  | { type: 'read'; conversationId: string; userId: string; messageId: string }
  | { type: TurnFrameType; turnId: string; eventId: string | null; data: unknown };
