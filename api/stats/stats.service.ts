import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Permission } from '../../shared/domain/roles';
import { hasPermission, type Principal } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';
import type { StatsQueryDto } from './dto/stats.dto';

const DAY_MS = 86_400_000;
const MAX_WINDOW_DAYS = 366;

interface Scope {
  from: Date;
  to: Date;
  /** null: everyone (stats:read). */
  userId: string | null;
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const usd = (v: unknown) => Math.round(num(v) * 1e8) / 1e8;

/**
 * v1 /stats over usage_records, chat_turns and tool_runs. Holders of stats:read see everyone (or one
 * user they name); everyone else sees their own figures only. Aggregates run in Postgres.
 */
@Injectable()
export class StatsService {
  constructor(private readonly em: EntityManager) {}

  async overview(p: Principal, q: StatsQueryDto) {
    const s = this.scope(p, q);
    const [turns] = await this.query<{ total: string; completed: string; failed: string; users: string }>(
      `select count(*) as total, count(*) filter (where status = 'completed') as completed, count(*) filter (where status = 'failed') as failed, count(distinct user_id) as users from chat_turns where ${this.where(s)}`,
      s,
    );
    const [usage] = await this.query<{ input: string; output: string; cost: string }>(
      `select coalesce(sum(input_tokens), 0) as input, coalesce(sum(output_tokens), 0) as output, coalesce(sum(cost_usd), 0) as cost from usage_records where ${this.where(s)}`,
      s,
    );
    const [tools] = await this.query<{ runs: string; failed: string; cost: string }>(
      `select count(*) as runs, count(*) filter (where status = 'failed') as failed, coalesce(sum(cost_usd), 0) as cost from tool_runs where ${this.where(s)}`,
      s,
    );
    return {
      ...this.window(s),
      turns: { total: num(turns.total), completed: num(turns.completed), failed: num(turns.failed) },
      activeUsers: num(turns.users),
      tokens: { input: num(usage.input), output: num(usage.output) },
      toolRuns: { total: num(tools.runs), failed: num(tools.failed) },
      costUsd: usd(num(usage.cost) + num(tools.cost)),
    };
  }

  async models(p: Principal, q: StatsQueryDto) {
    const s = this.scope(p, q);
    const rows = await this.query<{ model: string; turns: string; failed: string; input: string; output: string; cost: string }>(
      `select t.model, count(*) as turns, count(*) filter (where t.status = 'failed') as failed,
              coalesce(sum(u.input_tokens), 0) as input, coalesce(sum(u.output_tokens), 0) as output, coalesce(sum(u.cost_usd), 0) as cost
         from chat_turns t left join usage_records u on u.source_id = t.id::text
        where ${this.where(s, 't')} group by t.model order by count(*) desc, t.model limit 100`,
      s,
    );
    return { ...this.window(s), items: rows.map((r) => ({ model: r.model, turns: num(r.turns), failed: num(r.failed), inputTokens: num(r.input), outputTokens: num(r.output), costUsd: usd(r.cost) })) };
  }

  async tools(p: Principal, q: StatsQueryDto) {
    const s = this.scope(p, q);
    const rows = await this.query<{ tool: string; runs: string; failed: string; cached: string; p50: string | null; p95: string | null; cost: string }>(
      `select tool_name as tool, count(*) as runs, count(*) filter (where status = 'failed') as failed, count(*) filter (where cached) as cached,
              percentile_cont(0.5) within group (order by latency_ms) as p50, percentile_cont(0.95) within group (order by latency_ms) as p95,
              coalesce(sum(cost_usd), 0) as cost
         from tool_runs where ${this.where(s)} group by tool_name order by count(*) desc, tool_name limit 100`,
      s,
    );
    return {
      ...this.window(s),
      items: rows.map((r) => ({ tool: r.tool, runs: num(r.runs), failed: num(r.failed), cached: num(r.cached), latencyMs: { p50: r.p50 === null ? null : num(r.p50), p95: r.p95 === null ? null : num(r.p95) }, costUsd: usd(r.cost) })),
    };
  }

  async users(p: Principal, q: StatsQueryDto) {
    const s = this.scope(p, q);
    const rows = await this.query<{ user_id: string; email: string; turns: string; tool_runs: string; tokens: string; cost: string }>(
      `with t as (select user_id, count(*) as turns from chat_turns where ${this.where(s)} group by user_id),
            r as (select user_id, count(*) as runs, sum(cost_usd) as cost from tool_runs where ${this.where(s)} group by user_id),
            u as (select user_id, sum(input_tokens + output_tokens) as tokens, sum(cost_usd) as cost from usage_records where ${this.where(s)} group by user_id)
       select x.id as user_id, x.email, coalesce(t.turns, 0) as turns, coalesce(r.runs, 0) as tool_runs, coalesce(u.tokens, 0) as tokens,
              coalesce(u.cost, 0) + coalesce(r.cost, 0) as cost
         from users x left join t on t.user_id = x.id left join r on r.user_id = x.id left join u on u.user_id = x.id
        where (t.user_id is not null or r.user_id is not null or u.user_id is not null)
        order by cost desc, turns desc, x.id limit 100`,
      { ...s, repeat: 3 },
    );
    return { ...this.window(s), items: rows.map((r) => ({ userId: r.user_id, email: r.email, turns: num(r.turns), toolRuns: num(r.tool_runs), tokens: num(r.tokens), costUsd: usd(r.cost) })) };
  }

  async cost(p: Principal, q: StatsQueryDto) {
    const s = this.scope(p, q);
    const rows = await this.query<{ day: Date; llm: string; tools: string }>(
      `with l as (select date_trunc('day', created_at at time zone 'UTC') as day, sum(cost_usd) as cost from usage_records where ${this.where(s)} group by 1),
            k as (select date_trunc('day', created_at at time zone 'UTC') as day, sum(cost_usd) as cost from tool_runs where ${this.where(s)} group by 1)
       select coalesce(l.day, k.day) as day, coalesce(l.cost, 0) as llm, coalesce(k.cost, 0) as tools from l full join k on k.day = l.day order by 1`,
      { ...s, repeat: 2 },
    );
    const days = rows.map((r) => ({ day: new Date(r.day).toISOString().slice(0, 10), llmUsd: usd(r.llm), toolsUsd: usd(r.tools), totalUsd: usd(num(r.llm) + num(r.tools)) }));
    return { ...this.window(s), totalUsd: usd(days.reduce((sum, d) => sum + d.totalUsd, 0)), days };
  }

  async latency(p: Principal, q: StatsQueryDto) {
    const s = this.scope(p, q);
    const rows = await this.query<{ model: string; n: string; p50: string; p95: string; p99: string }>(
      `select model, count(*) as n,
              percentile_cont(0.5) within group (order by ms) as p50, percentile_cont(0.95) within group (order by ms) as p95, percentile_cont(0.99) within group (order by ms) as p99
         from (select model, extract(epoch from completed_at - created_at) * 1000 as ms from chat_turns where completed_at is not null and status = 'completed' and ${this.where(s)}) d
        group by model order by count(*) desc, model limit 100`,
      s,
    );
    const round = (v: string) => Math.round(num(v));
    return { ...this.window(s), turns: rows.map((r) => ({ model: r.model, count: num(r.n), p50Ms: round(r.p50), p95Ms: round(r.p95), p99Ms: round(r.p99) })) };
  }

  private scope(p: Principal, q: StatsQueryDto): Scope {
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * DAY_MS);
    if (from >= to) throw Problems.validation([{ field: 'from', message: 'from must be before to' }]);
    if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS) throw Problems.validation([{ field: 'from', message: `the window is at most ${MAX_WINDOW_DAYS} days` }]);
    const everyone = hasPermission(p, Permission.StatsRead);
    if (q.userId && q.userId !== p.userId && !everyone) throw Problems.forbidden('Only your own figures are available to you');
    return { from, to, userId: q.userId ?? (everyone ? null : p.userId) };
  }

  private where(s: Scope, alias?: string): string {
    const col = (c: string) => (alias ? `${alias}.${c}` : c);
    return `${col('created_at')} >= ? and ${col('created_at')} < ?${s.userId ? ` and ${col('user_id')} = ?` : ''}`;
  }

  private query<T>(text: string, s: Scope & { repeat?: number }): Promise<T[]> {
    const one = [s.from, s.to, ...(s.userId ? [s.userId] : [])];
    const params = Array.from({ length: s.repeat ?? 1 }, () => one).flat();
    return this.em.getConnection().execute<T[]>(text, params);
  }

  private window(s: Scope) {
    return { from: s.from.toISOString(), to: s.to.toISOString(), scope: s.userId ? { userId: s.userId } : 'all' };
  }
}
