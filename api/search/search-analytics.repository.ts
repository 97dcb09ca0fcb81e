import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

export interface QueryCount {
  query: string;
  count: number;
}

/** The search query log (search_queries) and the outbox's lag figures; the SQL lives here. */
@Injectable()
export class SearchAnalyticsRepository {
  constructor(private readonly em: EntityManager) {}

  private sql<T>(text: string, params: unknown[]): Promise<T[]> {
    return this.em.fork().getConnection().execute<T[]>(text, params);
  }

  /** Stored normalised (lower case, collapsed spaces, 200 chars) and erased with the user (GDPR). */
  async record(userId: string, scope: string, query: string, resultCount: number, tookMs: number): Promise<void> {
    const norm = query.toLowerCase().replace(/\s+/g, ' ').trim().slice(0, 200);
    await this.sql(`insert into search_queries (user_id, scope, query_norm, result_count, took_ms) values (?, ?, ?, ?, ?)`, [userId, scope, norm, resultCount, Math.round(tookMs)]);
  }

  /** Queries at least minUsers distinct users issued: never one user's private text. */
  async popular(hours: number, minUsers: number, limit: number, zeroResultsOnly = false): Promise<QueryCount[]> {
    const rows = await this.sql<{ query_norm: string; n: string }>(
      `select query_norm, count(*) as n from search_queries
       where created_at > now() - make_interval(hours => ?) ${zeroResultsOnly ? 'and result_count = 0' : ''}
       group by query_norm having count(distinct user_id) >= ? order by n desc, query_norm limit ?`,
      [hours, minUsers, limit],
    );
    return rows.map((r) => ({ query: r.query_norm, count: Number(r.n) }));
  }

  async mine(userId: string, hours: number, limit: number): Promise<QueryCount[]> {
    const rows = await this.sql<{ query_norm: string; n: string }>(
      `select query_norm, count(*) as n from search_queries where user_id = ? and created_at > now() - make_interval(hours => ?)
       group by query_norm order by n desc, max(created_at) desc limit ?`,
      [userId, hours, limit],
    );
    return rows.map((r) => ({ query: r.query_norm, count: Number(r.n) }));
  }

  async summary(hours: number) {
    const [row] = await this.sql<{ queries: string; users: string; zero: string; p50: number | null; p95: number | null }>(
      `select count(*) as queries, count(distinct user_id) as users, count(*) filter (where result_count = 0) as zero,
         percentile_cont(0.5) within group (order by took_ms) as p50, percentile_cont(0.95) within group (order by took_ms) as p95
       from search_queries where created_at > now() - make_interval(hours => ?)`,
      [hours],
    );
    return { queries: Number(row.queries), distinctUsers: Number(row.users), zeroResultQueries: Number(row.zero), latencyP50Ms: row.p50, latencyP95Ms: row.p95 };
  }

  /** Commit → searchable over the outbox rows indexed in the window (consumed rows are kept an hour). */
  async indexLag(hours: number) {
    const [row] = await this.sql<{ p50: number | null; p99: number | null; max: number | null; n: string; pending: string }>(
      `select percentile_cont(0.5) within group (order by lag_ms) as p50, percentile_cont(0.99) within group (order by lag_ms) as p99,
         max(lag_ms) as max, count(lag_ms) as n, (select count(*) from search_outbox where indexed_at is null) as pending
       from (select extract(epoch from indexed_at - created_at) * 1000 as lag_ms from search_outbox
             where indexed_at is not null and indexed_at > now() - make_interval(hours => ?)) l`,
      [hours],
    );
    const round = (v: number | null) => (v === null ? null : Math.round(Number(v) * 10) / 10);
    return { p50Ms: round(row.p50), p99Ms: round(row.p99), maxMs: round(row.max), samples: Number(row.n), pending: Number(row.pending) };
  }
}
