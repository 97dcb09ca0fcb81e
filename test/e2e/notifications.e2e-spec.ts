import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { api, expectProblem } from '../support/api-client';
import { loginAdmin, registerUser, TestAccount } from '../support/accounts';
import { waitForEmail } from '../support/mailbox';
import { stack } from '../support/stack';

/** Delivery is a workflow: poll until the row shows up (or give up with the last response). */
async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('/notifications', () => {
  let admin: string;
  let alice: TestAccount;
  let bob: TestAccount;

  beforeAll(async () => {
    [admin, alice, bob] = await Promise.all([loginAdmin(), registerUser('notif-alice'), registerUser('notif-bob')]);
  });

  const notify = (userId: string, extra: Record<string, unknown> = {}) =>
    api('POST', '/notifications', { token: admin, body: { userId, category: 'general', title: `Hello ${randomUUID().slice(0, 8)}`, body: 'Something happened', ...extra } });

  async function delivered(account: TestAccount, id: string) {
    return eventually(async () => {
      const res = await api('GET', `/notifications/${id}`, { token: account.accessToken });
      return res.status === 200 ? res.body : undefined;
    });
  }

  it('an admin notifies a user: stored for them, pushed on their Redis channel, invisible to others', async () => {
    const sub = new Redis(stack.redisUrl);
    const events: any[] = [];
    try {
      await sub.subscribe(`user:${alice.id}:notifications`);
      sub.on('message', (_channel, message) => events.push(JSON.parse(message)));
      const res = await notify(alice.id, { link: '/conversations/abc', data: { answer: 42 } });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ id: expect.any(String), workflowId: `notify:${res.body.id}` });

      const n = await delivered(alice, res.body.id);
      expect(n).toMatchObject({ id: res.body.id, category: 'general', body: 'Something happened', link: '/conversations/abc', data: { answer: 42 }, read: false, readAt: null });
      await eventually(async () => (events.length ? true : undefined));
      expect(events[0]).toMatchObject({ type: 'notification', notification: { id: res.body.id, title: n.title, data: { answer: 42 } } });

      expectProblem(await api('GET', `/notifications/${res.body.id}`, { token: bob.accessToken }), 404);
      expectProblem(await api('PATCH', `/notifications/${res.body.id}/read`, { token: bob.accessToken }), 404);
      expectProblem(await api('DELETE', `/notifications/${res.body.id}`, { token: bob.accessToken }), 404);
      expect((await api('GET', '/notifications', { token: bob.accessToken })).body.items.map((i: any) => i.id)).not.toContain(res.body.id);
    } finally {
      sub.disconnect();
    }
  });

  it('lists newest first in cursor pages, filters unread, marks read (once) and all read, deletes', async () => {
    const carol = await registerUser('notif-carol');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await notify(carol.id, { title: `n${i}` });
      await delivered(carol, res.body.id);
      ids.push(res.body.id);
    }
    const first = await api('GET', '/notifications?limit=2', { token: carol.accessToken });
    expect(first.status).toBe(200);
    expect(first.body.items.map((i: any) => i.title)).toEqual(['n2', 'n1']);
    expect(first.body.unreadCount).toBe(3);
    const second = await api('GET', `/notifications?limit=2&cursor=${first.body.nextCursor}`, { token: carol.accessToken });
    expect(second.body.items.map((i: any) => i.title)).toEqual(['n0']);
    expect(second.body.nextCursor).toBeNull();

    const read = await api('PATCH', `/notifications/${ids[1]}/read`, { token: carol.accessToken });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: ids[1], read: true, readAt: expect.any(String) });
    const again = await api('PATCH', `/notifications/${ids[1]}/read`, { token: carol.accessToken });
    expect(again.body.readAt).toBe(read.body.readAt);

    const unread = await api('GET', '/notifications?unread=true', { token: carol.accessToken });
    expect(unread.body.items.map((i: any) => i.title)).toEqual(['n2', 'n0']);
    expect(unread.body.unreadCount).toBe(2);

    const all = await api('POST', '/notifications/mark-all-read', { token: carol.accessToken });
    expect(all).toMatchObject({ status: 200, body: { updated: 2 } });
    expect((await api('GET', '/notifications?unread=true', { token: carol.accessToken })).body).toMatchObject({ items: [], unreadCount: 0 });

    expect((await api('DELETE', `/notifications/${ids[0]}`, { token: carol.accessToken })).status).toBe(204);
    expectProblem(await api('GET', `/notifications/${ids[0]}`, { token: carol.accessToken }), 404);
    expectProblem(await api('DELETE', `/notifications/${ids[0]}`, { token: carol.accessToken }), 404);
    expect((await api('GET', '/notifications', { token: carol.accessToken })).body.items).toHaveLength(2);
  });

  it('preferences: defaults per category; email on sends a real mail; in-app off stores nothing', async () => {
    const dave = await registerUser('notif-dave');
    const defaults = await api('GET', '/notifications/preferences', { token: dave.accessToken });
    expect(defaults.status).toBe(200);
    expect(defaults.body.preferences).toContainEqual({ category: 'general', inApp: true, email: false });
    expect(defaults.body.preferences).toContainEqual({ category: 'approval', inApp: true, email: false });

    const updated = await api('PATCH', '/notifications/preferences', {
      token: dave.accessToken,
      body: { preferences: [{ category: 'general', email: true }, { category: 'system', inApp: false, email: true }] },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.preferences).toContainEqual({ category: 'general', inApp: true, email: true });
    expect(updated.body.preferences).toContainEqual({ category: 'system', inApp: false, email: true });
    expect((await api('GET', '/notifications/preferences', { token: dave.accessToken })).body).toEqual(updated.body);

    const general = await notify(dave.id, { title: 'Mailed and stored', body: 'Your export is ready', link: '/exports/1' });
    const mail = await waitForEmail(dave.email, (m) => m.subject === 'Mailed and stored');
    expect(mail.text).toContain('Your export is ready');
    expect(mail.text).toContain('/exports/1');
    await delivered(dave, general.body.id);

    // The in-app row would be stored before the mail is sent: once the mail is here, its absence is final.
    const system = await notify(dave.id, { category: 'system', title: 'Mailed only' });
    await waitForEmail(dave.email, (m) => m.subject === 'Mailed only');
    expectProblem(await api('GET', `/notifications/${system.body.id}`, { token: dave.accessToken }), 404);

    // Others' preferences are not touched.
    expect((await api('GET', '/notifications/preferences', { token: alice.accessToken })).body.preferences).toContainEqual({ category: 'general', inApp: true, email: false });
  });

  it('refuses bad input with problems', async () => {
    expectProblem(await api('POST', '/notifications', { token: alice.accessToken, body: { userId: bob.id, title: 't', body: 'b' } }), 403);
    const badCategory = expectProblem(await notify(alice.id, { category: 'spam' }), 400);
    expect(badCategory.errors?.map((e) => e.field)).toContain('category');
    expectProblem(await notify(randomUUID()), 404);
    expectProblem(await notify(alice.id, { title: '' }), 400);
    expectProblem(await notify(alice.id, { data: 'not an object' }), 400);
    expectProblem(await notify(alice.id, { data: { big: 'x'.repeat(20_000) } }), 400);
    expectProblem(await api('GET', '/notifications/not-a-uuid', { token: alice.accessToken }), 400);
    expectProblem(await api('GET', '/notifications?unread=maybe', { token: alice.accessToken }), 400);
    expectProblem(await api('GET', '/notifications?cursor=garbage', { token: alice.accessToken }), 400);
    expectProblem(await api('GET', '/notifications?limit=1000', { token: alice.accessToken }), 400);
    expectProblem(await api('PATCH', '/notifications/preferences', { token: alice.accessToken, body: { preferences: [{ category: 'nope', email: true }] } }), 400);
    expectProblem(await api('PATCH', '/notifications/preferences', { token: alice.accessToken, body: { preferences: [] } }), 400);
    expectProblem(await api('PATCH', '/notifications/preferences', { token: alice.accessToken, body: { preferences: [{ category: 'general', email: 'yes' }] } }), 400);
    const dup = expectProblem(
      await api('PATCH', '/notifications/preferences', { token: alice.accessToken, body: { preferences: [{ category: 'general', email: true }, { category: 'general', email: false }] } }),
      400,
    );
    expect(dup.detail).toContain('listed twice');
    expectProblem(await api('GET', '/notifications'), 401);
  });
});
