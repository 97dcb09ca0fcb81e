import { randomUUID } from 'node:crypto';
import { maxTurnCostUsd } from '../../api/billing/turn-cost';
import { fromUnits, toUnits } from '../../shared/billing/usd';
import { findModel } from '../../shared/domain/model-registry';
import { loginAdmin, registerUser } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';
import { GatedStubLlm } from '../support/budget-gated-llm';
import { sql } from '../support/db';
import { STUB_LLM_PORT } from '../support/stub-llm';

// openai/* models reach the stack's stub (OPENAI_COMPATIBLE_BASE_URL) and are priced by the registry.
const MODEL = 'openai/gpt-4o';
const MESSAGE = 'hi';
const MAX_TOKENS = 1000;
const RESERVATION = maxTurnCostUsd([findModel(MODEL)!], MAX_TOKENS, MESSAGE.length);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, check: () => boolean, ms = 30_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('budgets under concurrency: reserve before start, settle once', () => {
  const llm = new GatedStubLlm();
  let admin: string;

  beforeAll(async () => {
    await llm.start(STUB_LLM_PORT);
    admin = await loginAdmin();
  });
  afterAll(() => llm.stop());

  async function setBudget(body: Record<string, unknown>) {
    const res = await api('PUT', '/billing/budgets', { token: admin, body });
    expect(res.status).toBe(200);
    return res.body as { id: string; limitUsd: string };
  }

  it('50 concurrent turns against a budget that fits exactly 7: 7 complete, 43 get 402, spend stays within the limit', async () => {
    llm.close();
    const u = await registerUser('budget-burst');
    const limitUsd = fromUnits(toUnits(RESERVATION) * 7n);
    const budget = await setBudget({ scopeType: 'user', scopeId: u.id, window: 'daily', limitUsd });

    const send = () => api('POST', '/chat', { token: u.accessToken, body: { message: MESSAGE, model: MODEL, maxTokens: MAX_TOKENS } });
    const results: { status: number; body: any }[] = [];
    const all = Array.from({ length: 50 }, () => send().then((r) => (results.push(r), r)));
    // Refusals answer at once; the 7 accepted turns wait at the gate with their reservations held.
    await until('43 refusals and 7 turns at the provider', () => results.length === 43 && llm.waiting === 7);
    expect(results.every((r) => r.status === 402)).toBe(true);
    const [held] = await sql<{ reserved_usd: string; spent_usd: string }>('select reserved_usd, spent_usd from budget_periods where budget_id = ?', [budget.id]);
    expect(fromUnits(toUnits(held.reserved_usd))).toBe(limitUsd);
    llm.open();
    const done = await Promise.all(all);

    const ok = done.filter((r) => r.status === 200);
    const refused = done.filter((r) => r.status === 402);
    expect([ok.length, refused.length]).toEqual([7, 43]);
    expect(ok.every((r) => r.body.status === 'completed' && r.body.content === `You said: ${MESSAGE}`)).toBe(true);
    const p = expectProblem(refused[0], 402) as Record<string, unknown>;
    expect(p).toMatchObject({ title: 'Budget exceeded', budgetId: budget.id, window: 'daily', limitUsd, requiredUsd: RESERVATION, remainingUsd: expect.any(String) });
    expect(toUnits(p.remainingUsd as string)).toBeLessThan(toUnits(RESERVATION));
    expect(p.detail).toContain(`$${RESERVATION}`);

    // Refused turns left nothing behind; accepted ones were charged exactly their recorded cost.
    const [turns] = await sql<{ n: string }>('select count(*) as n from chat_turns where user_id = ?', [u.id]);
    expect(Number(turns.n)).toBe(7);
    const [usage] = await sql<{ n: string; cost: string }>('select count(*) as n, sum(cost_usd) as cost from usage_records where user_id = ?', [u.id]);
    const [period] = await sql<{ reserved_usd: string; spent_usd: string }>('select reserved_usd, spent_usd from budget_periods where budget_id = ?', [budget.id]);
    expect(Number(usage.n)).toBe(7);
    expect(toUnits(period.reserved_usd)).toBe(0n);
    expect(toUnits(period.spent_usd)).toBe(toUnits(usage.cost));
    expect(toUnits(period.spent_usd)).toBeLessThanOrEqual(toUnits(limitUsd) + toUnits(RESERVATION));
    const states = await sql<{ status: string; n: string }>('select status, count(*) as n from budget_reservations where budget_id = ? group by status', [budget.id]);
    expect(states.map((s) => [s.status, Number(s.n)])).toEqual([['committed', 7]]);
    // 50/80/100 % were each claimed once, however many turns crossed them.
    const alerts = await sql<{ threshold: number }>('select threshold from budget_alerts where budget_id = ? order by threshold', [budget.id]);
    expect(alerts.map((a) => Number(a.threshold))).toEqual([50, 80, 100]);

    // The refunded remainder is usable again: one more turn fits now.
    const again = await send();
    expect(again.status).toBe(200);
    const mine = await api('GET', '/billing/budgets', { token: u.accessToken });
    expect(mine.body).toHaveLength(1);
    expect(mine.body[0]).toMatchObject({ id: budget.id, limitUsd, reservedUsd: '0.00000000' });
    expect(toUnits(mine.body[0].spentUsd) + toUnits(mine.body[0].remainingUsd)).toBe(toUnits(limitUsd));
  });

  it('an API-key budget limits only that key; the owner with a login token is still served', async () => {
    llm.open();
    const u = await registerUser('budget-key');
    const key = await api('POST', '/users/me/api-keys', { token: u.accessToken, body: { name: 'capped' } });
    expect(key.status).toBe(201);
    await setBudget({ scopeType: 'api_key', scopeId: key.body.id, window: 'monthly', limitUsd: fromUnits(toUnits(RESERVATION) - 1n) });
    const viaKey = await api('POST', '/chat', { token: key.body.key, body: { message: MESSAGE, model: MODEL, maxTokens: MAX_TOKENS } });
    expect(expectProblem(viaKey, 402)).toMatchObject({ window: 'monthly', requiredUsd: RESERVATION });
    // A smaller max reply fits the key's budget; free models never need one.
    expect((await api('POST', '/chat', { token: key.body.key, body: { message: MESSAGE, model: MODEL, maxTokens: 100 } })).status).toBe(200);
    expect((await api('POST', '/chat', { token: u.accessToken, body: { message: MESSAGE, model: MODEL, maxTokens: MAX_TOKENS } })).status).toBe(200);
  });

  it('100 idempotency keys × 10 concurrent identical requests: exactly 100 turns, 100 usage rows, 100 settled reservations', async () => {
    llm.open();
    const u = await registerUser('budget-idem');
    const budget = await setBudget({ scopeType: 'user', scopeId: u.id, window: 'monthly', limitUsd: '1000' });
    const keys = Array.from({ length: 100 }, (_, i) => `idem-${i}-${randomUUID()}`);
    const requests = keys.flatMap((key, i) =>
      Array.from({ length: 10 }, () =>
        api('POST', '/chat', { token: u.accessToken, body: { message: `m${i}`, model: 'openai/gpt-4o-mini', maxTokens: 50 }, headers: { 'idempotency-key': key } }),
      ),
    );
    const res = await Promise.all(requests);
    expect(res.filter((r) => r.status !== 200).map((r) => r.status)).toEqual([]);
    for (let i = 0; i < 100; i++) {
      const group = res.slice(i * 10, i * 10 + 10);
      expect(new Set(group.map((r) => r.body.turnId)).size).toBe(1);
      expect(group[0].body.content).toBe(`You said: m${i}`);
    }
    expect(new Set(res.map((r) => r.body.turnId)).size).toBe(100);
    const [counts] = await sql<{ turns: string; usage: string; cost: string; msgs: string }>(
      `select (select count(*) from chat_turns where user_id = ?) as turns,
              (select count(*) from usage_records where user_id = ?) as usage,
              (select sum(cost_usd) from usage_records where user_id = ?) as cost,
              (select count(*) from messages m join conversations c on c.id = m.conversation_id where c.owner_id = ? and m.role = 'user') as msgs`,
      [u.id, u.id, u.id, u.id],
    );
    expect([counts.turns, counts.usage, counts.msgs].map(Number)).toEqual([100, 100, 100]);
    const [r] = await sql<{ n: string }>("select count(*) as n from budget_reservations where budget_id = ? and status = 'committed'", [budget.id]);
    expect(Number(r.n)).toBe(100);
    const [period] = await sql<{ reserved_usd: string; spent_usd: string }>('select reserved_usd, spent_usd from budget_periods where budget_id = ?', [budget.id]);
    expect([toUnits(period.reserved_usd), toUnits(period.spent_usd)]).toEqual([0n, toUnits(counts.cost)]);
  }, 180_000);

  it('rejects bad budget input with problem+json, and only admins set budgets', async () => {
    const u = await registerUser('budget-bad');
    expectProblem(await api('PUT', '/billing/budgets', { token: u.accessToken, body: { scopeType: 'user', scopeId: u.id, window: 'daily', limitUsd: '1' } }), 403);
    const bad = expectProblem(await api('PUT', '/billing/budgets', { token: admin, body: { scopeType: 'user', scopeId: u.id, window: 'weekly', limitUsd: '1.123456789' } }), 400);
    expect(bad.errors?.map((e) => e.field).sort()).toEqual(['limitUsd', 'window']);
    expectProblem(await api('PUT', '/billing/budgets', { token: admin, body: { scopeType: 'user', scopeId: randomUUID(), window: 'daily', limitUsd: '1' } }), 404);
    expectProblem(await api('DELETE', `/billing/budgets/${randomUUID()}`, { token: admin }), 404);
    expectProblem(await api('GET', '/billing/budgets'), 401);
  });
});
