import { randomUUID } from 'node:crypto';
import { fromUnits, toUnits } from '../../shared/billing/usd';
import { loginAdmin, registerUser, TestAccount } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';
import { sql } from '../support/db';
import { StubLlmServer } from '../support/stub-llm-server';
import { STUB_LLM_PORT } from '../support/stub-llm';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('billing: credits ledger and usage', () => {
  const llm = new StubLlmServer();
  let admin: string;
  let alice: TestAccount;
  let bob: TestAccount;

  beforeAll(async () => {
    await llm.start(STUB_LLM_PORT);
    [admin, alice, bob] = await Promise.all([loginAdmin(), registerUser('credits-alice'), registerUser('credits-bob')]);
  });
  afterAll(() => llm.stop());

  const chat = (u: TestAccount, model: string) => api('POST', '/chat', { token: u.accessToken, body: { message: 'count me', model } });

  it('draws turn costs from the soonest-expiring grant first; the balance drops expired grants; exact decimals throughout', async () => {
    const soon = new Date(Date.now() + 4000).toISOString();
    const g1 = await api('POST', '/billing/credits/grants', { token: admin, body: { userId: alice.id, amountUsd: '0.1', reason: 'welcome' } });
    const g2 = await api('POST', '/billing/credits/grants', { token: admin, body: { userId: alice.id, amountUsd: '0.00001', expiresAt: soon } });
    expect([g1.status, g2.status]).toEqual([201, 201]);
    expect(g1.body).toMatchObject({ amountUsd: '0.10000000', consumedUsd: '0.00000000', remainingUsd: '0.10000000', expiresAt: null, reason: 'welcome' });

    const t1 = await chat(alice, 'openai/gpt-4o');
    expect(t1.status).toBe(200);
    const cost = t1.body.usage.costUsd as string; // 10 in × $2.5 + 4 out × $10 per MTok
    expect(cost).toBe('0.00006500');
    const credits = await api('GET', '/billing/credits', { token: alice.accessToken });
    expect(credits.status).toBe(200);
    const [first, second] = [credits.body.grants.find((g: { id: string }) => g.id === g2.body.id), credits.body.grants.find((g: { id: string }) => g.id === g1.body.id)];
    // The expiring grant (0.00001) is used up first, the rest comes from the other one.
    expect(first).toMatchObject({ consumedUsd: '0.00001000', remainingUsd: '0.00000000' });
    expect(second.consumedUsd).toBe(fromUnits(toUnits(cost) - toUnits('0.00001')));
    expect(credits.body).toMatchObject({ grantedUsd: '0.10001000', balanceUsd: fromUnits(toUnits('0.10001') - toUnits(cost)) });
    const rows = await sql<{ n: string }>('select count(*) as n from credit_consumptions where source_id = ?', [t1.body.turnId]);
    expect(Number(rows[0].n)).toBe(2);

    await sleep(Math.max(0, new Date(soon).getTime() - Date.now() + 200));
    const later = await api('GET', '/billing/credits', { token: alice.accessToken });
    expect(later.body).toMatchObject({ grantedUsd: '0.10000000', balanceUsd: fromUnits(toUnits('0.1') - toUnits(cost) + toUnits('0.00001')) });
    expect(later.body.grants.find((g: { id: string }) => g.id === g2.body.id)).toMatchObject({ expired: true });

    const bobs = await api('GET', '/billing/credits', { token: bob.accessToken });
    expect(bobs.body).toMatchObject({ balanceUsd: '0.00000000', grants: [], nextCursor: null });
  });

  it('pages grants with a cursor', async () => {
    const u = await registerUser('credits-pages');
    for (const amount of ['1', '2', '3']) await api('POST', '/billing/credits/grants', { token: admin, body: { userId: u.id, amountUsd: amount } });
    const p1 = await api('GET', '/billing/credits?limit=2', { token: u.accessToken });
    expect(p1.body.grants.map((g: { amountUsd: string }) => g.amountUsd)).toEqual(['3.00000000', '2.00000000']);
    const p2 = await api('GET', `/billing/credits?limit=2&cursor=${p1.body.nextCursor}`, { token: u.accessToken });
    expect(p2.body).toMatchObject({ grants: [{ amountUsd: '1.00000000' }], nextCursor: null, balanceUsd: '6.00000000' });
    expectProblem(await api('GET', '/billing/credits?cursor=garbage', { token: u.accessToken }), 400);
    expectProblem(await api('GET', '/billing/credits?limit=101', { token: u.accessToken }), 400);
  });

  it('refuses bad grants: non-admin 403, bad amounts and past expiry 400, unknown user 404', async () => {
    expectProblem(await api('POST', '/billing/credits/grants', { token: alice.accessToken, body: { userId: alice.id, amountUsd: '5' } }), 403);
    for (const amountUsd of ['-1', '0', '1e3', '0.000000001', 5]) {
      expectProblem(await api('POST', '/billing/credits/grants', { token: admin, body: { userId: alice.id, amountUsd } }), 400);
    }
    expectProblem(await api('POST', '/billing/credits/grants', { token: admin, body: { userId: alice.id, amountUsd: '1', expiresAt: '2001-01-01T00:00:00Z' } }), 400);
    expectProblem(await api('POST', '/billing/credits/grants', { token: admin, body: { userId: randomUUID(), amountUsd: '1' } }), 404);
  });

  it("GET /billing/usage: the caller's usage by day and model over a range, never another user's", async () => {
    const u = await registerUser('usage-carol');
    for (const model of ['openai/gpt-4o-mini', 'openai/gpt-4o-mini', 'openai/gpt-4o']) expect((await chat(u, model)).status).toBe(200);
    expect((await chat(bob, 'openai/gpt-4o')).status).toBe(200);
    const res = await api('GET', '/billing/usage', { token: u.accessToken });
    expect(res.status).toBe(200);
    const day = new Date().toISOString().slice(0, 10);
    expect(res.body.items).toEqual([
      { day, model: 'openai/gpt-4o', turns: 1, inputTokens: 10, outputTokens: 4, costUsd: '0.00006500' },
      { day, model: 'openai/gpt-4o-mini', turns: 2, inputTokens: 20, outputTokens: 8, costUsd: '0.00000780' },
    ]);
    expect(res.body.totals).toEqual({ turns: 3, inputTokens: 30, outputTokens: 12, costUsd: '0.00007280' });
    const past = await api('GET', '/billing/usage?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z', { token: u.accessToken });
    expect(past.body).toMatchObject({ items: [], totals: { turns: 0, costUsd: '0.00000000' } });
    expectProblem(await api('GET', '/billing/usage?from=2024-02-01&to=2024-01-01', { token: u.accessToken }), 400);
    expectProblem(await api('GET', '/billing/usage?from=2020-01-01&to=2024-01-01', { token: u.accessToken }), 400);
    expectProblem(await api('GET', '/billing/usage?from=yesterday', { token: u.accessToken }), 400);
    expectProblem(await api('GET', '/billing/usage'), 401);
  });
});
