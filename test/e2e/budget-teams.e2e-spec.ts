import { randomUUID } from 'node:crypto';
import { maxTurnCostUsd } from '../../api/billing/turn-cost';
import { fromUnits, toUnits } from '../../shared/billing/usd';
import { findModel } from '../../shared/domain/model-registry';
import { loginAdmin, registerUser } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';
import { StubLlmServer } from '../support/stub-llm-server';
import { STUB_LLM_PORT } from '../support/stub-llm';

// openai/* models reach the stack's stub and are priced by the registry.
const MODEL = 'openai/gpt-4o';
const MESSAGE = 'hi';
const MAX_TOKENS = 1000;
const RESERVATION = maxTurnCostUsd([findModel(MODEL)!], MAX_TOKENS, MESSAGE.length);

describe('team budgets: the spend of every member counts against the team', () => {
  const llm = new StubLlmServer();
  beforeAll(() => llm.start(STUB_LLM_PORT));
  afterAll(() => llm.stop());

  it('refuses a member once the team budget is used by others, and shows the budget to each member', async () => {
    const admin = await loginAdmin();
    const [alice, bob, outsider] = await Promise.all([registerUser('team-budget-a'), registerUser('team-budget-b'), registerUser('team-budget-out')]);
    const team = await api('POST', '/admin/teams', { token: admin, body: { name: `budget-team-${randomUUID().slice(0, 8)}` } });
    expect(team.status).toBe(201);
    for (const u of [alice, bob]) expect((await api('POST', `/admin/teams/${team.body.id}/members`, { token: admin, body: { userId: u.id } })).status).toBe(201);

    // Room for two reservations of a normal turn; a turn asking twice the tokens reserves about twice
    // as much, which no longer fits once the members' turns have spent something.
    const limitUsd = fromUnits(toUnits(RESERVATION) * 2n);
    const budget = await api('PUT', '/billing/budgets', { token: admin, body: { scopeType: 'team', scopeId: team.body.id, window: 'daily', limitUsd } });
    expect(budget.status).toBe(200);
    expectProblem(await api('PUT', '/billing/budgets', { token: admin, body: { scopeType: 'team', scopeId: randomUUID(), window: 'daily', limitUsd } }), 404);

    const send = (token: string, maxTokens = MAX_TOKENS) => api('POST', '/chat', { token, body: { message: MESSAGE, model: MODEL, maxTokens } });
    expect((await send(alice.accessToken)).status).toBe(200);
    expect((await send(bob.accessToken)).status).toBe(200);

    // Both members see the team budget with the spend of both.
    const seen = await api('GET', '/billing/budgets', { token: bob.accessToken });
    const teamBudget = (seen.body as { id: string; scopeType: string; spentUsd: string; remainingUsd: string }[]).find((b) => b.id === budget.body.id);
    expect(teamBudget).toMatchObject({ scopeType: 'team' });
    expect(toUnits(teamBudget!.spentUsd)).toBeGreaterThan(0n);
    const [aliceView] = (await api('GET', '/billing/budgets', { token: alice.accessToken })).body as { id: string; spentUsd: string }[];
    expect(aliceView).toMatchObject({ id: budget.body.id, spentUsd: teamBudget!.spentUsd });

    // What is left no longer covers a full reservation: a member is refused, naming the team budget;
    // a user outside the team is not affected.
    expect(toUnits(teamBudget!.remainingUsd)).toBeLessThan(toUnits(RESERVATION) * 2n);
    const refused = await send(alice.accessToken, MAX_TOKENS * 2);
    expectProblem(refused, 402);
    expect(refused.body.budgetId).toBe(budget.body.id);
    expect((await send(outsider.accessToken, MAX_TOKENS * 2)).status).toBe(200);
  });
});
