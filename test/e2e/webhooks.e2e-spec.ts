import { createHmac, timingSafeEqual } from 'node:crypto';
import { maxTurnCostUsd } from '../../api/billing/turn-cost';
import { fromUnits, toUnits } from '../../shared/billing/usd';
import { findModel } from '../../shared/domain/model-registry';
import { loginAdmin, registerUser, TestAccount } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';
import { StubLlmServer } from '../support/stub-llm-server';
import { STUB_LLM_PORT } from '../support/stub-llm';
import { allowedToolPort, RecordingServer, SeenRequest } from '../support/tool-test-servers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const MODEL = 'openai/gpt-4o';
const MESSAGE = 'hi';
const MAX_TOKENS = 1000;
// One turn's hold is 2/3 of this limit: past 50 %, short of 80 % (as in budget-alerts.e2e-spec).
const LIMIT = fromUnits((toUnits(maxTurnCostUsd([findModel(MODEL)!], MAX_TOKENS, MESSAGE.length)) * 3n) / 2n);

/** Standard Webhooks verification, done by hand with node:crypto. */
function verify(secret: string, req: SeenRequest): boolean {
  const id = String(req.headers['webhook-id']);
  const ts = String(req.headers['webhook-timestamp']);
  const expected = createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64')).update(`${id}.${ts}.${req.body}`).digest();
  return String(req.headers['webhook-signature'])
    .split(' ')
    .some((sig) => {
      const [version, b64] = sig.split(',');
      const got = Buffer.from(b64 ?? '', 'base64');
      return version === 'v1' && got.length === expected.length && timingSafeEqual(got, expected);
    });
}

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(200);
  }
}

describe('outbound webhooks (Standard Webhooks)', () => {
  const flakyHits = new Map<string, number>();
  const receiver = new RecordingServer((req, reply) => {
    if (req.url.startsWith('/flaky')) {
      const n = (flakyHits.get(req.url) ?? 0) + 1;
      flakyHits.set(req.url, n);
      return reply(n === 1 ? 500 : 200, n === 1 ? 'boom' : 'ok');
    }
    if (req.url.startsWith('/gone')) return reply(410, 'gone');
    reply(200, 'ok');
  });
  const llm = new StubLlmServer();
  let owner: TestAccount;
  let base: string;

  beforeAll(async () => {
    await receiver.start(allowedToolPort());
    await llm.start(STUB_LLM_PORT);
    base = `http://127.0.0.1:${receiver.port}`;
    owner = await registerUser('webhooks');
  });
  afterAll(async () => {
    await receiver.stop();
    await llm.stop();
  });

  const create = (token: string, path: string, eventTypes = ['webhook.test']) => api('POST', '/webhooks', { token, body: { url: `${base}${path}`, eventTypes } });

  it('creates an endpoint (secret shown once), validates URLs and event types', async () => {
    const res = await create(owner.accessToken, '/crud');
    expect(res.status).toBe(201);
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    expect(res.body).toMatchObject({ url: `${base}/crud`, eventTypes: ['webhook.test'], active: true });

    const got = await api('GET', `/webhooks/${res.body.id}`, { token: owner.accessToken });
    expect(got.status).toBe(200);
    expect(got.body.secret).toBeUndefined();
    expect(JSON.stringify((await api('GET', '/webhooks', { token: owner.accessToken })).body)).not.toContain('whsec_');

    const patched = await api('PATCH', `/webhooks/${res.body.id}`, { token: owner.accessToken, body: { active: false, eventTypes: ['webhook.test', 'budget.threshold_crossed'] } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ active: false, eventTypes: ['webhook.test', 'budget.threshold_crossed'] });

    expectProblem(await api('POST', '/webhooks', { token: owner.accessToken, body: { url: 'ftp://example.com/x', eventTypes: ['webhook.test'] } }), 400);
    expectProblem(await api('POST', '/webhooks', { token: owner.accessToken, body: { url: 'not a url', eventTypes: ['webhook.test'] } }), 400);
    expectProblem(await api('POST', '/webhooks', { token: owner.accessToken, body: { url: `${base}/x`, eventTypes: ['nope'] } }), 400);

    expect((await api('DELETE', `/webhooks/${res.body.id}`, { token: owner.accessToken })).status).toBe(204);
    expectProblem(await api('GET', `/webhooks/${res.body.id}`, { token: owner.accessToken }), 404);
  });

  it('POST /webhooks/:id/test arrives signed with valid Standard Webhooks headers', async () => {
    const ep = await create(owner.accessToken, '/test-event');
    const queued = await api('POST', `/webhooks/${ep.body.id}/test`, { token: owner.accessToken });
    expect(queued.status).toBe(202);
    expect(queued.body.workflowId).toBe(`webhook:${queued.body.deliveryId}`);

    const req = await waitFor(() => receiver.hits('/test-event')[0]);
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['webhook-id']).toBe(queued.body.deliveryId);
    expect(Math.abs(Number(req.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(req.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(verify(ep.body.secret, req)).toBe(true);
    expect(verify('whsec_' + Buffer.from('not the secret').toString('base64'), req)).toBe(false);
    expect(JSON.parse(req.body)).toMatchObject({ type: 'webhook.test', data: { endpointId: ep.body.id } });

    const delivery = await waitFor(async () => {
      const list = await api('GET', `/webhooks/${ep.body.id}/deliveries`, { token: owner.accessToken });
      const d = list.body.find((x: { id: string }) => x.id === queued.body.deliveryId);
      return d?.status === 'delivered' ? d : undefined;
    });
    expect(delivery).toMatchObject({ eventType: 'webhook.test', attempts: 1, lastResponseCode: 200 });
  });

  it('a receiver answering 500 then 200 gets a retry; the delivery ends delivered after 2 attempts', async () => {
    const ep = await create(owner.accessToken, '/flaky-1');
    const queued = await api('POST', `/webhooks/${ep.body.id}/test`, { token: owner.accessToken });
    expect(queued.status).toBe(202);
    const delivery = await waitFor(async () => {
      const list = await api('GET', `/webhooks/${ep.body.id}/deliveries`, { token: owner.accessToken });
      return list.body[0]?.status === 'delivered' ? list.body[0] : undefined;
    });
    expect(delivery).toMatchObject({ id: queued.body.deliveryId, status: 'delivered', attempts: 2, lastResponseCode: 200 });
    const hits = receiver.hits('/flaky-1');
    expect(hits).toHaveLength(2);
    expect(hits[0].headers['webhook-id']).toBe(hits[1].headers['webhook-id']);
    expect(hits.every((h) => verify(ep.body.secret, h))).toBe(true);
  });

  it('a 4xx (other than 408/429) is final: one attempt, failed', async () => {
    const ep = await create(owner.accessToken, '/gone');
    await api('POST', `/webhooks/${ep.body.id}/test`, { token: owner.accessToken });
    const delivery = await waitFor(async () => {
      const list = await api('GET', `/webhooks/${ep.body.id}/deliveries`, { token: owner.accessToken });
      return list.body[0]?.status === 'failed' ? list.body[0] : undefined;
    });
    expect(delivery).toMatchObject({ attempts: 1, lastResponseCode: 410 });
    expect(receiver.hits('/gone')).toHaveLength(1);
  });

  it('a destination the SSRF policy refuses (loopback, not allow-listed) is never contacted and fails without retries', async () => {
    const res = await api('POST', '/webhooks', { token: owner.accessToken, body: { url: 'http://127.0.0.1:1/internal', eventTypes: ['webhook.test'] } });
    expect(res.status).toBe(201);
    await api('POST', `/webhooks/${res.body.id}/test`, { token: owner.accessToken });
    const delivery = await waitFor(async () => {
      const list = await api('GET', `/webhooks/${res.body.id}/deliveries`, { token: owner.accessToken });
      return list.body[0]?.status === 'failed' ? list.body[0] : undefined;
    });
    expect(delivery).toMatchObject({ attempts: 1, lastResponseCode: null });
    expect(delivery.lastError).toMatch(/destination not allowed/);
  });

  it("another user's endpoint is a 404 everywhere", async () => {
    const ep = await create(owner.accessToken, '/private');
    const other = await registerUser('webhooks-other');
    const t = other.accessToken;
    expectProblem(await api('GET', `/webhooks/${ep.body.id}`, { token: t }), 404);
    expectProblem(await api('PATCH', `/webhooks/${ep.body.id}`, { token: t, body: { active: false } }), 404);
    expectProblem(await api('POST', `/webhooks/${ep.body.id}/test`, { token: t }), 404);
    expectProblem(await api('GET', `/webhooks/${ep.body.id}/deliveries`, { token: t }), 404);
    expectProblem(await api('DELETE', `/webhooks/${ep.body.id}`, { token: t }), 404);
    expect((await api('GET', '/webhooks', { token: t })).body).toEqual([]);
    expect((await api('GET', `/webhooks/${ep.body.id}`, { token: owner.accessToken })).status).toBe(200);
  });

  it('a budget crossing 50 % delivers budget.threshold_crossed to the subscribed endpoint', async () => {
    const admin = await loginAdmin();
    const u = await registerUser('webhooks-budget');
    const ep = await create(u.accessToken, '/budget', ['budget.threshold_crossed']);
    const testOnly = await create(u.accessToken, '/unsubscribed', ['webhook.test']);
    expect(ep.status).toBe(201);
    expect(testOnly.status).toBe(201);
    const budget = await api('PUT', '/billing/budgets', { token: admin, body: { scopeType: 'user', scopeId: u.id, window: 'monthly', limitUsd: LIMIT } });
    expect(budget.status).toBe(200);

    expect((await api('POST', '/chat', { token: u.accessToken, body: { message: MESSAGE, model: MODEL, maxTokens: MAX_TOKENS } })).status).toBe(200);
    const req = await waitFor(() => receiver.hits('/budget')[0]);
    expect(verify(ep.body.secret, req)).toBe(true);
    expect(JSON.parse(req.body)).toMatchObject({
      type: 'budget.threshold_crossed',
      data: { budgetId: budget.body.id, threshold: 50, scopeType: 'user', scopeId: u.id, limitUsd: LIMIT, window: 'monthly' },
    });
    await sleep(1000);
    expect(receiver.hits('/unsubscribed')).toHaveLength(0);
  });
});
