import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

export interface UsageTotals {
  turns: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: string;
}

export interface UsageFilter {
  userId: string;
  models: string[];
  from?: Date;
  to?: Date;
}

const ZERO: UsageTotals = { turns: 0, inputTokens: 0, outputTokens: 0, costUsd: '0.00000000' };

/** Per-model totals of a user's chat-turn usage records, summed in Postgres (exact decimals). */
@Injectable()
export class ModelUsageRepository {
  constructor(private readonly em: EntityManager) {}

  async totals(filter: UsageFilter): Promise<Map<string, UsageTotals>> {
    const params: unknown[] = [filter.userId, ...filter.models];
    let range = '';
    if (filter.from) {
      range += ' and created_at >= ?';
      params.push(filter.from);
    }
    if (filter.to) {
      range += ' and created_at < ?';
      params.push(filter.to);
    }
    const rows: { model: string; turns: number; input_tokens: string; output_tokens: string; cost_usd: string }[] = await this.em.getConnection().execute(
      `select model, count(*)::int as turns, sum(input_tokens)::bigint as input_tokens, sum(output_tokens)::bigint as output_tokens,
              sum(cost_usd)::numeric(18,8)::text as cost_usd
         from usage_records
        where user_id = ? and kind = 'chat-turn' and model in (${filter.models.map(() => '?').join(', ')})${range}
        group by model`,
      params,
    );
    const out = new Map(filter.models.map((m) => [m, { ...ZERO }]));
    for (const r of rows) {
      out.set(r.model, { turns: r.turns, inputTokens: Number(r.input_tokens), outputTokens: Number(r.output_tokens), costUsd: r.cost_usd });
    }
    return out;
  }
}
