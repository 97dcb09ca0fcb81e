import { randomUUID } from 'node:crypto';
import { loginAdmin, registerUser, TestAccount } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';
import { sql } from '../support/db';

/** Seeds figures straight into the tables the stats read, with a fixed window so other specs do not interfere. */
async function seedUsage(user: TestAccount, at: string, model: string, costUsd: number, latencyMs: number, tool?: { name: string; costUsd: number; failed?: boolean }) {
  const conv = randomUUID();
  const turn = randomUUID();
  await sql("insert into conversations (id, owner_id, title, tags, created_at, updated_at) values (?, ?, 'stats', '{}', ?, ?)", [conv, user.id, at, at]);
  await sql(
    "insert into chat_turns (id, user_id, conversation_id, user_message_id, model, status, created_at, completed_at) values (?, ?, ?, ?, ?, 'completed', ?, ?::timestamptz + (? || ' milliseconds')::interval)",
    [turn, user.id, conv, randomUUID(), model, at, at, String(latencyMs)],
  );
  await sql("insert into usage_records (id, source_id, kind, user_id, model, provider, input_tokens, output_tokens, cost_usd, created_at) values (?, ?, 'chat', ?, ?, 'openai', 100, 50, ?, ?)", [
    randomUUID(),
    turn,
    user.id,
    model,
    costUsd,
    at,
  ]);
  if (tool) {
    await sql('insert into tool_runs (id, tool_name, tool_version, user_id, status, cached, latency_ms, cost_usd, created_at) values (?, ?, 1, ?, ?, false, 40, ?, ?)', [
      randomUUID(),
      tool.name,
      user.id,
      tool.failed ? 'failed' : 'completed',
      tool.costUsd,
      at,
    ]);
  }
}

describe('/stats', () => {
  let admin: string;
  let alice: TestAccount;
  let bob: TestAccount;
  // A window in the past that only this spec writes into.
  const day = new Date(Date.UTC(2020, 0, 1) + Math.floor(Math.random() * 3000) * 86_400_000);
  const iso = (h: number, d = 0) => new Date(day.getTime() + d * 86_400_000 + h * 3_600_000).toISOString();
  const window = `from=${iso(0)}&to=${iso(0, 2)}`;

  beforeAll(async () => {
    admin = await loginAdmin();
    [alice, bob] = await Promise.all([registerUser('stats-alice'), registerUser('stats-bob')]);
    await seedUsage(alice, iso(1), 'openai/gpt-4o', 0.5, 1000, { name: 'calculator', costUsd: 0.01 });
    await seedUsage(alice, iso(2), 'openai/gpt-4o', 0.25, 3000);
    await seedUsage(bob, iso(3, 1), 'anthropic/claude-sonnet-4', 1, 2000, { name: 'calculator', costUsd: 0.02, failed: true });
  });

  it('overview: an admin sees everyone, a member only themselves', async () => {
    const all = await api('GET', `/stats/overview?${window}`, { token: admin });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ scope: 'all', turns: { total: 3, completed: 3 }, activeUsers: 2, tokens: { input: 300, output: 150 }, toolRuns: { total: 2, failed: 1 }, costUsd: 1.78 });
    const mine = await api('GET', `/stats/overview?${window}`, { token: alice.accessToken });
    expect(mine.body).toMatchObject({ scope: { userId: alice.id }, turns: { total: 2 }, toolRuns: { total: 1, failed: 0 }, costUsd: 0.76 });
    expectProblem(await api('GET', `/stats/overview?${window}&userId=${bob.id}`, { token: alice.accessToken }), 403);
    expect((await api('GET', `/stats/overview?${window}&userId=${bob.id}`, { token: admin })).body).toMatchObject({ turns: { total: 1 }, costUsd: 1.02 });
  });

  it('per model, tool, user, day and latency', async () => {
    const models = await api('GET', `/stats/models?${window}`, { token: admin });
    expect(models.body.items).toEqual([
      { model: 'openai/gpt-4o', turns: 2, failed: 0, inputTokens: 200, outputTokens: 100, costUsd: 0.75 },
      { model: 'anthropic/claude-sonnet-4', turns: 1, failed: 0, inputTokens: 100, outputTokens: 50, costUsd: 1 },
    ]);
    const tools = await api('GET', `/stats/tools?${window}`, { token: admin });
    expect(tools.body.items).toEqual([{ tool: 'calculator', runs: 2, failed: 1, cached: 0, latencyMs: { p50: 40, p95: 40 }, costUsd: 0.03 }]);
    const users = await api('GET', `/stats/users?${window}`, { token: admin });
    expect(users.body.items.map((u: { userId: string; costUsd: number }) => [u.userId, u.costUsd])).toEqual([
      [bob.id, 1.02],
      [alice.id, 0.76],
    ]);
    expect((await api('GET', `/stats/users?${window}`, { token: bob.accessToken })).body.items.map((u: { userId: string }) => u.userId)).toEqual([bob.id]);
    const cost = await api('GET', `/stats/cost?${window}`, { token: admin });
    expect(cost.body).toMatchObject({ totalUsd: 1.78, days: [{ day: iso(0).slice(0, 10), llmUsd: 0.75, toolsUsd: 0.01 }, { day: iso(0, 1).slice(0, 10), llmUsd: 1, toolsUsd: 0.02 }] });
    const latency = await api('GET', `/stats/latency?${window}`, { token: admin });
    expect(latency.body.turns).toEqual([
      { model: 'openai/gpt-4o', count: 2, p50Ms: 2000, p95Ms: 2900, p99Ms: 2980 },
      { model: 'anthropic/claude-sonnet-4', count: 1, p50Ms: 2000, p95Ms: 2000, p99Ms: 2000 },
    ]);
  });

  it('rejects bad windows and anonymous callers', async () => {
    expectProblem(await api('GET', '/stats/overview?from=yesterday', { token: admin }), 400);
    expectProblem(await api('GET', `/stats/overview?from=${iso(0, 2)}&to=${iso(0)}`, { token: admin }), 400);
    expectProblem(await api('GET', '/stats/overview?from=2000-01-01T00:00:00Z&to=2010-01-01T00:00:00Z', { token: admin }), 400);
    expectProblem(await api('GET', '/stats/overview?userId=nope', { token: admin }), 400);
    expectProblem(await api('GET', '/stats/overview'), 401);
  });
});
