import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AuthChange, AuthChangeFeed, NotifyingConnection } from '../../../shared/persistence/auth-change-feed';
import type { UserStatus } from '../../../shared/persistence/entities';

/** The user row as read with its session: what authentication and GET /users/me need. */
export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: string;
  status: UserStatus;
  emailVerifiedAt: Date | null;
  mfaEnabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

interface Entry {
  user: SessionUser;
  sessionExpiresAt: number;
  at: number;
}

/** Backstop only: changes arrive as notifications; this bounds how long a missed one could matter. */
const TTL_MS = 30_000;
const MAX_ENTRIES = 50_000;
const RECONNECT_MS = 1_000;

type ListenerConnection = NotifyingConnection & { on(event: 'error' | 'end', listener: (err?: Error) => void): unknown; end(): Promise<void> };

/**
 * Session validity and the user row, cached in-process so an authenticated request costs no query
 * on a warm cache. Exact, not eventually right: the `users` and `sessions` triggers announce every
 * change on `auth_changes`; this process's own writes arrive before their commit returns (all its
 * pool connections listen), others' within the notification delay. While the dedicated listener is
 * not connected nothing is cached, so a lost connection can never leave a revoked session usable.
 */
@Injectable()
export class SessionCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(SessionCache.name);
  private readonly entries = new Map<string, Entry>();
  private readonly sessionsOfUser = new Map<string, Set<string>>();
  private generation = 0;
  private listener?: ListenerConnection;
  private live = false;
  private closed = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly orm: MikroORM,
    private readonly feed: AuthChangeFeed,
  ) {
    feed.subscribe((change) => this.forget(change));
  }

  onApplicationBootstrap() {
    void this.connect();
  }

  async onApplicationShutdown() {
    this.closed = true;
    clearTimeout(this.retry);
    this.live = false;
    await this.listener?.end().catch(() => undefined);
  }

  /** The user of a live cached session, or undefined (not cached, expired, or another user's). */
  get(sessionId: string, userId: string): SessionUser | undefined {
    const entry = this.entries.get(sessionId);
    if (!entry) return undefined;
    const now = Date.now();
    if (entry.user.id !== userId || now >= entry.sessionExpiresAt || now - entry.at > TTL_MS) {
      this.drop(sessionId);
      return undefined;
    }
    return entry.user;
  }

  /** Take before reading the rows, pass to `remember`: a read that raced a change is not kept. */
  get stamp(): number {
    return this.generation;
  }

  remember(stamp: number, sessionId: string, sessionExpiresAt: Date, user: SessionUser): void {
    if (!this.live || stamp !== this.generation) return;
    if (this.entries.size >= MAX_ENTRIES) this.clear();
    this.entries.set(sessionId, { user, sessionExpiresAt: sessionExpiresAt.getTime(), at: Date.now() });
    const sessions = this.sessionsOfUser.get(user.id) ?? new Set<string>();
    sessions.add(sessionId);
    this.sessionsOfUser.set(user.id, sessions);
  }

  private forget(change: AuthChange): void {
    this.generation++;
    if (change.kind === 'session') return this.drop(change.id);
    for (const sessionId of this.sessionsOfUser.get(change.id) ?? []) this.entries.delete(sessionId);
    this.sessionsOfUser.delete(change.id);
  }

  private drop(sessionId: string): void {
    const entry = this.entries.get(sessionId);
    if (!entry) return;
    this.entries.delete(sessionId);
    const sessions = this.sessionsOfUser.get(entry.user.id);
    sessions?.delete(sessionId);
    if (sessions && !sessions.size) this.sessionsOfUser.delete(entry.user.id);
  }

  private clear(): void {
    this.generation++;
    this.entries.clear();
    this.sessionsOfUser.clear();
  }

  // A connection of its own, outside the pool: pool connections come and go with load.
  private async connect(): Promise<void> {
    if (this.closed) return;
    let connection: ListenerConnection | undefined;
    try {
      const knexClient = this.orm.em.getConnection().getKnex().client as { acquireRawConnection(): Promise<ListenerConnection> };
      connection = await knexClient.acquireRawConnection();
      this.listener = connection;
      const own = connection;
      own.on('error', (err) => this.lost(own, err));
      own.on('end', () => this.lost(own));
      await this.feed.listenOn(connection);
      this.clear();
      this.live = this.listener === connection;
    } catch (err) {
      if (connection && this.listener === connection) this.listener = undefined;
      void connection?.end().catch(() => undefined);
      this.log.warn({ err }, 'auth change listener could not connect; sessions are checked in Postgres until it does');
      this.scheduleReconnect();
    }
  }

  private lost(connection: ListenerConnection, err?: Error): void {
    if (this.listener !== connection) return;
    this.listener = undefined;
    this.live = false;
    this.clear();
    if (!this.closed) this.log.warn({ err }, 'auth change listener lost; sessions are checked in Postgres until it is back');
    void connection.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(), RECONNECT_MS);
    this.retry.unref();
  }
}
