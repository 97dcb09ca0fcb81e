import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { MikroORM, RequestContext } from '@mikro-orm/core';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RawData, WebSocket, WebSocketServer } from 'ws';
import { Permission } from '../../shared/domain/roles';
import { User } from '../../shared/persistence/entities';
import { runWithRequestId } from '../../shared/observability/request-context';
import { Authenticator } from '../common/auth/authenticator.service';
import { rawProblemResponse } from '../common/problem/problem-response';
import type { Principal } from '../common/auth/principal';
import { parseClientFrame } from './chat-ws-frames';
import { ChatWsConnection } from './chat-ws-connection';
import { ChatWsRooms } from './chat-ws-rooms.service';
import { CHAT_WS_LIMITS, CHAT_WS_PATH, ClientFrame } from './chat-ws.protocol';
import { ChatWsError } from './chat-ws.error';
import { ChatWsService, errorFrameOf } from './chat-ws.service';

/**
 * `WS /api/v3/chat/ws` on the API's own HTTP server, with bare `ws` rather than a Nest gateway:
 * - the credential is checked on the upgrade request and a failure answers 401 problem+json before
 *   any socket exists (Nest's guards run per message, on an open socket);
 * - the protocol is `{type, id}` with an `error` frame for unknown types and bad JSON, where Nest's
 *   `{event, data}` dispatch drops unknown events silently;
 * - per idle socket it keeps the ws object and one small ChatWsConnection (Nest's adapter adds an
 *   rxjs pipeline per client). Measured: ~11 KB API RSS per idle socket at 10,000 sockets, against
 *   ~10 KB for a bare node http + ws server (2.6 KB of it heap).
 * It only answers upgrades for its own path. Nest's WsAdapter, if ever installed, destroys upgrades
 * for paths it does not own: this endpoint would then have to move behind it.
 */
@Injectable()
export class ChatWsGateway implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChatWsGateway.name);
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: CHAT_WS_LIMITS.hardMaxFrameBytes, perMessageDeflate: false });
  private readonly connections = new Set<ChatWsConnection>();
  private server?: Server;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticator: Authenticator,
    private readonly orm: MikroORM,
    private readonly service: ChatWsService,
    private readonly rooms: ChatWsRooms,
  ) {}

  onApplicationBootstrap() {
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.server.on('upgrade', this.onUpgrade);
    this.heartbeat = setInterval(() => this.beat(), CHAT_WS_LIMITS.heartbeatMs);
    this.heartbeat.unref();
  }

  // Before the HTTP server and the Redis connection close: leaving rooms needs Redis.
  async beforeApplicationShutdown() {
    clearInterval(this.heartbeat);
    this.server?.off('upgrade', this.onUpgrade);
    // Leave rooms now so other processes' sockets see these users go at once, not after the presence TTL.
    await Promise.all([...this.connections].map((conn) => this.service.disconnect(conn).catch(() => undefined)));
    for (const conn of this.connections) conn.ws.close(1001, 'server shutting down');
    this.wss.close();
  }

  /** Open sockets on this process (for metrics and benchmarks). */
  get size(): number {
    return this.connections.size;
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return;
    }
    if (url.pathname.replace(/\/+$/, '') !== CHAT_WS_PATH) return;
    socket.on('error', () => socket.destroy());
    void this.accept(req, socket, head, url).catch((err: Error) => {
      this.logger.error({ err }, 'chat websocket upgrade failed');
      reject(socket, 503, 'The chat socket could not be opened; retry shortly');
    });
  };

  private async accept(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) {
    const bearer = bearerOf(req.headers.authorization) ?? url.searchParams.get('access_token') ?? undefined;
    if (!bearer) return reject(socket, 401, 'Authentication required: an Authorization: Bearer header or ?access_token=');
    const found = await RequestContext.create(this.orm.em, async () => {
      const principal = await this.authenticator.authenticate(bearer, req.socket.remoteAddress);
      if (!principal) return undefined;
      const user = await this.orm.em.findOne(User, principal.userId, { fields: ['name'] });
      return { principal, name: user?.name ?? '' };
    });
    if (!found) return reject(socket, 401, 'The access token or API key is invalid, expired or revoked');
    if (!canUseSocket(found.principal)) return reject(socket, 403, `Missing permission: ${Permission.ChatUse} or ${Permission.ConversationsRead}`);
    if (socket.destroyed) return;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, found.principal, bearer, found.name));
  }

  private attach(ws: WebSocket, principal: Principal, bearer: string, name: string) {
    const conn = new ChatWsConnection(ws, this.rooms.nextSocketKey(), principal, bearer, name);
    this.connections.add(conn);
    ws.on('pong', () => (conn.alive = true));
    ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
    ws.on('error', () => ws.terminate());
    ws.once('close', () => {
      this.connections.delete(conn);
      // After whatever this socket still has queued, so a join in flight is undone too.
      conn.queue = conn.queue.then(() => this.service.disconnect(conn)).catch((err: Error) => this.logger.warn({ err }, 'chat socket cleanup failed'));
    });
  }

  private onMessage(conn: ChatWsConnection, data: RawData, isBinary: boolean) {
    conn.alive = true;
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (isBinary) return conn.send({ type: 'error', code: 'invalid_message', message: 'Frames are JSON text, not binary' });
    if (size > CHAT_WS_LIMITS.maxMessageBytes) {
      return conn.send({ type: 'error', code: 'too_large', message: `A frame may hold at most ${CHAT_WS_LIMITS.maxMessageBytes} bytes` });
    }
    const parsed = parseClientFrame(data.toString());
    if (!parsed.ok) return conn.send({ type: 'error', id: parsed.id, code: parsed.code, message: parsed.message });
    if (conn.queued >= CHAT_WS_LIMITS.maxQueuedRequests) {
      return conn.send({ type: 'error', id: parsed.frame.id, code: 'rate_limited', message: 'Too many requests in flight on this socket; wait for their answers' });
    }
    conn.queued++;
    conn.queue = conn.queue
      .then(() => this.run(conn, parsed.frame))
      .catch((err: Error) => this.logger.error({ err }, 'chat socket request failed'))
      .finally(() => conn.queued--);
  }

  /** One request, in its own entity-manager context and with its own request id (seen by the workflows it starts). */
  private async run(conn: ChatWsConnection, frame: ClientFrame) {
    if (!conn.isOpen) return;
    try {
      await runWithRequestId(randomUUID(), () => RequestContext.create(this.orm.em, () => this.service.handle(conn, frame)));
    } catch (err) {
      const known = errorFrameOf(err);
      if (!known || known.code === 'internal') this.logger.error({ err, type: frame.type }, 'chat socket request failed');
      conn.send({ type: 'error', id: frame.id, ...(known && known.code !== 'internal' ? known : { code: 'internal', message: 'Something went wrong; retry' }) });
      if (err instanceof ChatWsError && err.closeCode) conn.ws.close(err.closeCode, err.message.slice(0, 120));
    }
  }

  // One timer for every socket: a socket that missed the previous ping is gone.
  private beat() {
    for (const conn of this.connections) {
      if (!conn.alive) {
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }
}

function bearerOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(' ');
  return scheme?.toLowerCase() === 'bearer' && value ? value.trim() : undefined;
}

function canUseSocket(principal: Principal): boolean {
  return principal.permissions.has(Permission.ChatUse) || principal.permissions.has(Permission.ConversationsRead);
}

/** Refuses an upgrade with a problem+json HTTP response, before any socket exists. */
function reject(socket: Duplex, status: number, detail: string) {
  if (socket.destroyed) return;
  socket.end(rawProblemResponse(status, detail, CHAT_WS_PATH, status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}));
}
