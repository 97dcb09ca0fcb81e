/** The channel the `users` and `sessions` triggers notify (Migration20261202140500). */
export const AUTH_CHANGES_CHANNEL = 'auth_changes';

export type AuthChange = { kind: 'session' | 'user'; id: string };

/** What a node-postgres client looks like to the feed (the driver knex/MikroORM use). */
export interface NotifyingConnection {
  query(sql: string): Promise<unknown>;
  on(event: 'notification', listener: (msg: { channel: string; payload?: string }) => void): unknown;
}

/**
 * One process's view of the `auth_changes` notifications. Every pool connection of the process
 * listens (see `listenOn`), so a write made by this process reaches its subscribers before the
 * write's own query resolves; changes made elsewhere arrive within the notification delay.
 */
export class AuthChangeFeed {
  private readonly subscribers = new Set<(change: AuthChange) => void>();

  subscribe(fn: (change: AuthChange) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /** Makes a connection listen; its notifications feed the subscribers. */
  async listenOn(connection: NotifyingConnection): Promise<void> {
    connection.on('notification', (msg) => {
      if (msg.channel === AUTH_CHANGES_CHANNEL && msg.payload) this.publish(msg.payload);
    });
    await connection.query(`LISTEN ${AUTH_CHANGES_CHANNEL}`);
  }

  private publish(payload: string): void {
    const kind = payload.startsWith('s:') ? 'session' : payload.startsWith('u:') ? 'user' : undefined;
    if (!kind) return;
    const change: AuthChange = { kind, id: payload.slice(2) };
    for (const fn of this.subscribers) fn(change);
  }
}
