import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { registerUser, TestAccount } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';
import { stack } from '../support/stack';
import { sql } from '../support/db';

const SECRET = process.env.STRIPE_WEBHOOK_SECRET ?? '';
const now = () => Math.floor(Date.now() / 1000);

function signed(event: object, opts: { secret?: string; timestamp?: number } = {}) {
  const payload = JSON.stringify(event);
  const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? SECRET, timestamp: opts.timestamp ?? now() });
  return fetch(`${stack.apiUrl}/billing/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body: payload });
}

function subEvent(subId: string, customer: string, status: string, created: number) {
  return { id: `evt_${randomUUID().replace(/-/g, '')}`, object: 'event', type: 'customer.subscription.updated', created, data: { object: { id: subId, object: 'subscription', customer, status } } };
}

describe('billing through Stripe (stripe-mock)', () => {
  let alice: TestAccount;
  let bob: TestAccount;
  beforeAll(async () => {
    expect(SECRET).toMatch(/^whsec_/);
    [alice, bob] = await Promise.all([registerUser('stripe-alice'), registerUser('stripe-bob')]);
  });

  it('webhooks: forged, stale and future-dated signatures get 400; a valid event is applied once, redeliveries acknowledged', async () => {
    const sub = `sub_${randomUUID().slice(0, 8)}`;
    const ev = subEvent(sub, 'cus_hook', 'active', now());
    expect((await signed(ev, { secret: 'whsec_forged' })).status).toBe(400);
    expect((await signed(ev, { timestamp: now() - 301 })).status).toBe(400);
    expect((await signed(ev, { timestamp: now() + 301 })).status).toBe(400);
    const unsigned = await api('POST', '/billing/webhooks/stripe', { body: ev });
    expectProblem(unsigned, 400);
    const first = await signed(ev);
    expect([first.status, await first.json()]).toEqual([200, { received: true, duplicate: false }]);
    const again = await signed(ev);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    const [row] = await sql<{ status: string }>('select status from billing_objects where id = ?', [sub]);
    expect(row.status).toBe('active');

    // Out of order: an older event delivered after a newer one does not overwrite it.
    expect((await signed(subEvent(sub, 'cus_hook', 'past_due', ev.created + 10))).status).toBe(200);
    expect((await signed(subEvent(sub, 'cus_hook', 'incomplete', ev.created + 5))).status).toBe(200);
    const [after] = await sql<{ status: string }>('select status from billing_objects where id = ?', [sub]);
    expect(after.status).toBe('past_due');
    const [n] = await sql<{ n: string }>("select count(*) as n from stripe_processed_events where id = ?", [ev.id]);
    expect(Number(n.n)).toBe(1);
  });

  it('subscription: create (customer made on the first call, once), change plan, cancel; 409 on a second one, 404 after cancel', async () => {
    const created = await api('POST', '/billing/subscription', { token: alice.accessToken, body: { priceId: 'price_basic' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^sub_/), status: expect.any(String) });
    const customers = await sql<{ stripe_customer_id: string }>('select stripe_customer_id from billing_customers where user_id = ?', [alice.id]);
    expect(customers).toHaveLength(1);
    expect(customers[0].stripe_customer_id).toMatch(/^cus_/);
    await sql("update billing_objects set status = 'active' where id = ?", [created.body.id]);
    expectProblem(await api('POST', '/billing/subscription', { token: alice.accessToken, body: { priceId: 'price_basic' } }), 409);
    const changed = await api('PATCH', '/billing/subscription', { token: alice.accessToken, body: { priceId: 'price_pro' } });
    expect(changed.status).toBe(200);
    const cancelled = await api('DELETE', '/billing/subscription', { token: alice.accessToken });
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'canceled']);
    expectProblem(await api('DELETE', '/billing/subscription', { token: alice.accessToken }), 404);
    expectProblem(await api('PATCH', '/billing/subscription', { token: bob.accessToken, body: { priceId: 'price_pro' } }), 404);
    expectProblem(await api('POST', '/billing/subscription', { token: alice.accessToken, body: { priceId: 'basic' } }), 400);
    expectProblem(await api('POST', '/billing/subscription', { body: { priceId: 'price_basic' } }), 401);
  });

  it('payment methods and invoices; another user\'s invoice is 404', async () => {
    const pm = await api('POST', '/billing/payment-methods', { token: alice.accessToken, body: { paymentMethodId: 'pm_card_visa', makeDefault: true } });
    expect(pm.status).toBe(201);
    expect(pm.body).toMatchObject({ id: expect.stringMatching(/^pm_/), default: true });
    expectProblem(await api('POST', '/billing/payment-methods', { token: alice.accessToken, body: { paymentMethodId: 'card' } }), 400);
    const list = await api('GET', '/billing/invoices?limit=5', { token: alice.accessToken });
    expect(list.status).toBe(200);
    expect(list.body.length).toBeGreaterThan(0);
    const id = list.body[0].id;
    const one = await api('GET', `/billing/invoices/${id}`, { token: alice.accessToken });
    expect([one.status, one.body.id]).toEqual([200, id]);
    expectProblem(await api('GET', `/billing/invoices/${id}`, { token: bob.accessToken }), 404);
    expectProblem(await api('GET', '/billing/invoices?limit=500', { token: alice.accessToken }), 400);
  });
});
