import { maxTurnCostUsd } from '../../api/billing/turn-cost';
import { fromUnits, toUnits } from '../../shared/billing/usd';
import { findModel } from '../../shared/domain/model-registry';
import { loginAdmin, registerUser, TestAccount } from '../support/accounts';
import { api } from '../support/api-client';
import { StubLlmServer } from '../support/stub-llm-server';
import { STUB_LLM_PORT } from '../support/stub-llm';

const MODEL = 'openai/gpt-4o';
const MESSAGE = 'hi';
const MAX_TOKENS = 1000;
const RESERVATION = maxTurnCostUsd([findModel(MODEL)!], MAX_TOKENS, MESSAGE.length);
// One turn's hold is 2/3 of this limit: past 50 %, short of 80 %.
const LIMIT = fromUnits((toUnits(RESERVATION) * 3n) / 2n);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface InboxItem {
  category: string;
  title: string;
  link: string | null;
  data: Record<string, unknown> | null;
}

async function billingInbox(token: string, expected: number, ms = 20_000): Promise<InboxItem[]> {
  const end = Date.now() + ms;
  for (;;) {
    const res = await api('GET', '/notifications?limit=50', { token });
    expect(res.status).toBe(200);
    const items = (res.body.items as InboxItem[]).filter((n) => n.category === 'billing');
    if (items.length >= expected || Date.now() > end) return items;
    await sleep(200);
  }
}

describe('budget alerts as in-app notifications', () => {
  const llm = new StubLlmServer();
  let admin: string;

  beforeAll(async () => {
    await llm.start(STUB_LLM_PORT);
    admin = await loginAdmin();
  });
  afterAll(() => llm.stop());

  const turn = (token: string) => api('POST', '/chat', { token, body: { message: MESSAGE, model: MODEL, maxTokens: MAX_TOKENS } });

  it('crossing 50 % of a user budget puts one billing notification in that user\'s inbox (and only 50 %)', async () => {
    const u: TestAccount = await registerUser('alert-user');
    const budget = await api('PUT', '/billing/budgets', { token: admin, body: { scopeType: 'user', scopeId: u.id, window: 'monthly', limitUsd: LIMIT } });
    expect(budget.status).toBe(200);
    expect(await billingInbox(u.accessToken, 1, 0)).toEqual([]);

    expect((await turn(u.accessToken)).status).toBe(200);
    const [alert, ...rest] = await billingInbox(u.accessToken, 1);
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({ title: 'Budget 50% used', link: '/billing/budgets', data: { budgetId: budget.body.id, threshold: 50, scopeType: 'user', scopeId: u.id, limitUsd: LIMIT } });

    // The threshold was claimed once: the next turn (still under 80 % once settled) adds nothing.
    expect((await turn(u.accessToken)).status).toBeLessThan(500);
    await sleep(1500);
    expect((await billingInbox(u.accessToken, 2, 0)).filter((n) => n.data?.threshold === 50)).toHaveLength(1);
  });

  it('an API-key budget alerts the key\'s owner', async () => {
    const owner = await registerUser('alert-key-owner');
    const key = await api('POST', '/users/me/api-keys', { token: owner.accessToken, body: { name: 'alerted' } });
    expect(key.status).toBe(201);
    const budget = await api('PUT', '/billing/budgets', { token: admin, body: { scopeType: 'api_key', scopeId: key.body.id, window: 'daily', limitUsd: LIMIT } });
    expect(budget.status).toBe(200);

    expect((await turn(key.body.key)).status).toBe(200);
    const [alert] = await billingInbox(owner.accessToken, 1);
    expect(alert).toMatchObject({ title: 'Budget 50% used', data: { budgetId: budget.body.id, threshold: 50, scopeType: 'api_key', scopeId: key.body.id, window: 'daily' } });
  });
});
