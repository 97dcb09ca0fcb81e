import { randomBytes } from 'node:crypto';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { InjectRedis } from '../../shared/redis/redis.module';
import type { ChatWsConnection } from './chat-ws-connection';
import { ChatWsError } from './chat-ws.error';
import { CHAT_WS_LIMITS, PresenceUser, ServerFrame } from './chat-ws.protocol';

/** A presence entry lives this long unless its process refreshes it: a crashed process's sockets fade out. */
const PRESENCE_TTL_MS = 60_000;
const PRESENCE_REFRESH_MS = 20_000;

const presenceKey = (conversationId: string) => `chat-ws:presence:{${conversationId}}`;
const roomChannel = (conversationId: string) => `chat-ws:room:{${conversationId}}`;
const CHANNEL_PREFIX = 'chat-ws:room:{';

/**
 * Updates a room's presence set and publishes the resulting member list in one atomic step, so the
 * last presence frame every process sees is the room's current state. Members are
 * `<socket key>|<user id>|<name>`, scored by expiry time. A full room refuses a join (-1): every
 * change sends the whole list to every member, so room size is what bounds that cost.
 */
const PRESENCE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if ARGV[1] == 'add' then
  if not redis.call('ZSCORE', KEYS[1], ARGV[2]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[5]) then return -1 end
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
else
  redis.call('ZREM', KEYS[1], ARGV[2])
end
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
if #members > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
redis.call('PUBLISH', ARGV[4], 'p' .. cjson.encode(members))
return #members`;

interface Room {
  members: Set<ChatWsConnection>;
  /** Resolves once this process is subscribed to the room's channel. */
  subscribed: Promise<unknown>;
}

type PresenceCommand = { chatWsPresence(key: string, op: 'add' | 'rem', member: string, ttlMs: number, channel: string, max: number): Promise<number> };

/**
 * Conversation rooms across API processes: room events go through Redis pub/sub on ONE subscriber
 * connection per process (a channel per room that has local members), presence lives in a Redis
 * sorted set per room with expiring entries.
 */
@Injectable()
export class ChatWsRooms implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ChatWsRooms.name);
  private readonly rooms = new Map<string, Room>();
  private readonly processId = randomBytes(6).toString('base64url');
  private seq = 0;
  private subscriber!: Redis;
  private refreshTimer?: NodeJS.Timeout;

  constructor(@InjectRedis() private readonly redis: Redis) {
    if (!(redis as unknown as Partial<PresenceCommand>).chatWsPresence) redis.defineCommand('chatWsPresence', { numberOfKeys: 1, lua: PRESENCE_SCRIPT });
  }

  onModuleInit() {
    this.subscriber = this.redis.duplicate({ connectionName: 'gateway-chat-ws', maxRetriesPerRequest: null });
    this.subscriber.on('message', (channel: string, payload: string) => this.onRoomMessage(channel, payload));
    this.subscriber.on('error', (err) => this.logger.warn({ err }, 'chat-ws subscriber error'));
    this.refreshTimer = setInterval(() => void this.refreshPresence(), PRESENCE_REFRESH_MS);
    this.refreshTimer.unref();
  }

  async onModuleDestroy() {
    clearInterval(this.refreshTimer);
    this.subscriber.disconnect();
  }

  /** A process-unique key for a new socket. */
  nextSocketKey(): string {
    return `${this.processId}.${(this.seq++).toString(36)}`;
  }

  async join(conn: ChatWsConnection, conversationId: string): Promise<void> {
    let room = this.rooms.get(conversationId);
    if (!room) {
      room = { members: new Set(), subscribed: this.subscriber.subscribe(roomChannel(conversationId)) };
      this.rooms.set(conversationId, room);
    }
    room.members.add(conn);
    conn.joinRoom(conversationId);
    try {
      // Subscribed first, so the joining socket sees its own presence frame.
      await room.subscribed;
      if ((await this.presence(conversationId, 'add', conn)) < 0) {
        throw new ChatWsError('too_many', `At most ${CHAT_WS_LIMITS.maxSocketsPerRoom} sockets in one conversation`);
      }
    } catch (err) {
      this.dropLocal(conn, conversationId);
      throw err;
    }
  }

  async leave(conn: ChatWsConnection, conversationId: string): Promise<void> {
    if (!conn.inRoom(conversationId)) return;
    this.dropLocal(conn, conversationId);
    await this.presence(conversationId, 'rem', conn);
  }

  async leaveAll(conn: ChatWsConnection): Promise<void> {
    await Promise.all([...(conn.rooms ?? [])].map((id) => this.leave(conn, id)));
  }

  /** Sends a frame to every socket in the room, on every process, except the sender's socket. */
  async broadcast(conversationId: string, frame: ServerFrame, from?: ChatWsConnection): Promise<void> {
    await this.redis.publish(roomChannel(conversationId), `f${from?.key ?? ''}\n${JSON.stringify(frame)}`);
  }

  /** Sockets in rooms on this process (for metrics and benchmarks). */
  stats() {
    let sockets = 0;
    for (const room of this.rooms.values()) sockets += room.members.size;
    return { rooms: this.rooms.size, memberships: sockets };
  }

  private presence(conversationId: string, op: 'add' | 'rem', conn: ChatWsConnection): Promise<number> {
    const key = presenceKey(conversationId);
    return (this.redis as unknown as PresenceCommand).chatWsPresence(key, op, memberOf(conn), PRESENCE_TTL_MS, roomChannel(conversationId), CHAT_WS_LIMITS.maxSocketsPerRoom);
  }

  private dropLocal(conn: ChatWsConnection, conversationId: string) {
    conn.leaveRoom(conversationId);
    const room = this.rooms.get(conversationId);
    if (!room?.members.delete(conn) || room.members.size > 0) return;
    this.rooms.delete(conversationId);
    void this.subscriber.unsubscribe(roomChannel(conversationId)).catch(() => undefined);
  }

  private async refreshPresence() {
    if (this.rooms.size === 0) return;
    const pipeline = this.redis.pipeline();
    const expiry = Date.now() + PRESENCE_TTL_MS;
    for (const [conversationId, room] of this.rooms) {
      const key = presenceKey(conversationId);
      for (const conn of room.members) pipeline.zadd(key, expiry, memberOf(conn));
      pipeline.pexpire(key, PRESENCE_TTL_MS);
    }
    await pipeline.exec().catch((err: Error) => this.logger.warn({ err }, 'presence refresh failed'));
  }

  private onRoomMessage(channel: string, payload: string) {
    if (!channel.startsWith(CHANNEL_PREFIX)) return;
    const room = this.rooms.get(channel.slice(CHANNEL_PREFIX.length, -1));
    if (!room) return;
    if (payload[0] === 'p') {
      const text = JSON.stringify(presenceFrame(channel.slice(CHANNEL_PREFIX.length, -1), payload.slice(1)));
      for (const conn of room.members) conn.sendRaw(text);
    } else if (payload[0] === 'f') {
      const nl = payload.indexOf('\n');
      const from = payload.slice(1, nl);
      const text = payload.slice(nl + 1);
      for (const conn of room.members) if (conn.key !== from) conn.sendRaw(text);
    }
  }
}

function memberOf(conn: ChatWsConnection): string {
  return `${conn.key}|${conn.userId}|${conn.name}`;
}

/** One entry per user (a user with two devices is present once). */
export function presenceFrame(conversationId: string, membersJson: string): ServerFrame {
  const parsed: unknown = JSON.parse(membersJson);
  const users = new Map<string, PresenceUser>();
  // cjson encodes an empty list as {}.
  for (const member of Array.isArray(parsed) ? (parsed as string[]) : []) {
    const a = member.indexOf('|');
    const b = member.indexOf('|', a + 1);
    if (a < 0 || b < 0) continue;
    const userId = member.slice(a + 1, b);
    if (!users.has(userId)) users.set(userId, { userId, name: member.slice(b + 1) });
  }
  return { type: 'presence', conversationId, users: [...users.values()].sort((x, y) => x.userId.localeCompare(y.userId)) };
}
