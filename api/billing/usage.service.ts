import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { usd } from '../../shared/billing/usd';
import type { Principal } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';
import type { UsageDto, UsageQuery } from './dto/billing.dto';

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 366;

/** The caller's usage (usage_records) by UTC day and model over a date range. */
@Injectable()
export class UsageService {
  constructor(private readonly em: EntityManager) {}

  async mine(principal: Principal, q: UsageQuery): Promise<UsageDto> {
    const to = q.to ?? new Date();
    const from = q.from ?? new Date(to.getTime() - 30 * DAY_MS);
    if (from >= to) throw Problems.validation([{ field: 'from', message: 'from must be before to' }]);
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) throw Problems.validation([{ field: 'to', message: `the range is at most ${MAX_RANGE_DAYS} days` }]);
    const rows = await this.em.execute<{ day: string; model: string; turns: string; input: string; output: string; cost: string }[]>(
      `select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day, model, count(*) as turns,
              sum(input_tokens) as input, sum(output_tokens) as output, sum(cost_usd) as cost
         from usage_records where user_id = ? and created_at >= ? and created_at < ?
        group by 1, 2 order by 1, 2`,
      [principal.userId, from, to],
    );
    const items = rows.map((r) => ({ day: r.day, model: r.model, turns: Number(r.turns), inputTokens: Number(r.input), outputTokens: Number(r.output), costUsd: usd(String(r.cost)) }));
    const [t] = await this.em.execute<{ turns: string; input: string | null; output: string | null; cost: string | null }[]>(
      'select count(*) as turns, sum(input_tokens) as input, sum(output_tokens) as output, sum(cost_usd) as cost from usage_records where user_id = ? and created_at >= ? and created_at < ?',
      [principal.userId, from, to],
    );
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      items,
      totals: { turns: Number(t.turns), inputTokens: Number(t.input ?? 0), outputTokens: Number(t.output ?? 0), costUsd: usd(String(t.cost ?? '0')) },
    };
  }
}
