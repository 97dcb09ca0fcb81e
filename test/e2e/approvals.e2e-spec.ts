import { randomUUID } from 'node:crypto';
import { api, expectProblem } from '../support/api-client';
import { loginAdmin, registerUser, TestAccount } from '../support/accounts';

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('/approvals', () => {
  let admin: string;
  let adminId: string;
  let alice: TestAccount;
  let bob: TestAccount;

  beforeAll(async () => {
    [admin, alice, bob] = await Promise.all([loginAdmin(), registerUser('appr-alice'), registerUser('appr-bob')]);
    adminId = (await api('GET', '/users/me', { token: admin })).body.id;
  });

  const request = (body: Record<string, unknown>) =>
    api('POST', '/approvals', { token: admin, body: { kind: 'tool-run', title: `Deploy ${randomUUID().slice(0, 8)}`, details: { tool: 'deploy', env: 'prod' }, ...body } });

  /** The workflow records the request a moment after the 202. */
  const recorded = (id: string, token: string) =>
    eventually(async () => {
      const res = await api('GET', `/approvals/${id}`, { token });
      return res.status === 200 ? res.body : undefined;
    });

  const inboxTitles = async (account: TestAccount) =>
    (await api('GET', '/notifications?limit=100', { token: account.accessToken })).body.items.map((n: any) => n.title) as string[];

  it('deciders by role: a member cannot decide, the requester cannot self-approve, an admin approves and the requester is told', async () => {
    const res = await request({ deciders: { roles: ['admin'] }, requesterId: alice.id, reminders: ['P1D'] });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id: expect.any(String), workflowId: `approval:${res.body.id}`, status: 'pending', expiresAt: expect.any(String) });
    const id = res.body.id;
    // Default timeout: three days.
    expect(Date.parse(res.body.expiresAt) - Date.now()).toBeGreaterThan(3 * 24 * 3600_000 - 60_000);

    const asRequester = await recorded(id, alice.accessToken);
    expect(asRequester).toMatchObject({ id, kind: 'tool-run', status: 'pending', requesterId: alice.id, deciders: { roles: ['admin'], userIds: [] }, details: { tool: 'deploy', env: 'prod' }, canDecide: false });

    // Bob is neither requester nor decider: he cannot even see it.
    expectProblem(await api('GET', `/approvals/${id}`, { token: bob.accessToken }), 404);
    expectProblem(await api('POST', `/approvals/${id}/approve`, { token: bob.accessToken, body: {} }), 404);
    expect((await api('GET', '/approvals', { token: bob.accessToken })).body.items.map((a: any) => a.id)).not.toContain(id);
    // Alice sees her request but may not decide it.
    const self = expectProblem(await api('POST', `/approvals/${id}/approve`, { token: alice.accessToken, body: {} }), 403);
    expect(self.detail).toMatch(/not one of the deciders/);
    expect((await api('GET', '/approvals?mine=true', { token: alice.accessToken })).body.items.map((a: any) => a.id)).toContain(id);

    // The admin is a decider: it is in their pending list, with a notification.
    const pending = await api('GET', '/approvals?kind=tool-run&limit=100', { token: admin });
    expect(pending.body.items.find((a: any) => a.id === id)).toMatchObject({ status: 'pending', canDecide: true });

    const approved = await api('POST', `/approvals/${id}/approve`, { token: admin, body: { comment: 'ship it' } });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ id, status: 'approved', decision: 'approve', decidedBy: adminId, comment: 'ship it', decidedAt: expect.any(String), canDecide: false });

    const title = asRequester.title as string;
    await eventually(async () => ((await inboxTitles(alice)).includes(`Approved: ${title}`) ? true : undefined));

    // A second decision is a conflict that says how it was decided.
    const second = expectProblem(await api('POST', `/approvals/${id}/reject`, { token: admin, body: {} }), 409);
    expect(second).toMatchObject({ detail: 'The approval is already approved', approval: { id, status: 'approved', decidedBy: adminId } });
    expect((await api('GET', '/approvals?status=approved&limit=100', { token: admin })).body.items.map((a: any) => a.id)).toContain(id);
    expect((await api('GET', '/approvals?limit=100', { token: admin })).body.items.map((a: any) => a.id)).not.toContain(id);
  });

  it('deciders by id: the named member rejects with a comment; the requester hears why', async () => {
    const res = await request({ deciders: { userIds: [bob.id] }, requesterId: alice.id, kind: 'workflow-step' });
    const id = res.body.id;
    const view = await recorded(id, bob.accessToken);
    expect(view).toMatchObject({ canDecide: true, kind: 'workflow-step' });
    await eventually(async () => ((await inboxTitles(bob)).includes(`Approval requested: ${view.title}`) ? true : undefined));
    expect((await api('GET', '/approvals?kind=workflow-step', { token: bob.accessToken })).body.items.map((a: any) => a.id)).toContain(id);

    // An admin who is not a named decider may look (approvals:manage) but not decide.
    expectProblem(await api('POST', `/approvals/${id}/approve`, { token: admin, body: {} }), 403);

    const rejected = await api('POST', `/approvals/${id}/reject`, { token: bob.accessToken, body: { comment: 'needs a rollback plan' } });
    expect(rejected.body).toMatchObject({ status: 'rejected', decision: 'reject', decidedBy: bob.id, comment: 'needs a rollback plan' });
    const note = await eventually(async () => {
      const items = (await api('GET', '/notifications?limit=100', { token: alice.accessToken })).body.items as any[];
      return items.find((n) => n.title === `Rejected: ${view.title}`);
    });
    expect(note).toMatchObject({ category: 'approval', link: `/approvals/${id}`, data: { approvalId: id, status: 'rejected' } });
    expect(note.body).toContain('needs a rollback plan');

    const late = expectProblem(await api('POST', `/approvals/${id}/approve`, { token: bob.accessToken, body: {} }), 409);
    expect(late).toMatchObject({ approval: { status: 'rejected' } });
    expect((await api('GET', '/approvals?mine=true&status=rejected', { token: alice.accessToken })).body.items.map((a: any) => a.id)).toContain(id);
  });

  it('self-approval only when allowed', async () => {
    const res = await request({ deciders: { roles: ['admin'] }, allowSelfApproval: true });
    await recorded(res.body.id, admin);
    const ok = await api('POST', `/approvals/${res.body.id}/approve`, { token: admin, body: {} });
    expect(ok.body).toMatchObject({ status: 'approved', decidedBy: adminId });

    const own = await request({ deciders: { roles: ['admin'] } });
    await recorded(own.body.id, admin);
    expect(expectProblem(await api('POST', `/approvals/${own.body.id}/approve`, { token: admin, body: {} }), 403).detail).toMatch(/your own request/);
  });

  it('refuses bad input with problems', async () => {
    expectProblem(await api('POST', '/approvals', { token: alice.accessToken, body: { kind: 'x', title: 't', deciders: { roles: ['admin'] } } }), 403);
    expect(expectProblem(await request({ deciders: {} }), 400).errors?.map((e) => e.field)).toContain('deciders');
    expect(expectProblem(await request({ deciders: { roles: ['admin'] }, timeout: 'soon' }), 400).errors?.map((e) => e.field)).toContain('timeout');
    expectProblem(await request({ deciders: { roles: ['admin'] }, timeout: 'P365D' }), 400);
    expectProblem(await request({ deciders: { roles: ['admin'] }, expiresAt: '2001-01-01T00:00:00Z' }), 400);
    expect(expectProblem(await request({ deciders: { roles: ['admin'] }, reminders: ['PT1S'] }), 400).errors?.map((e) => e.field)).toContain('reminders.0');
    expectProblem(await request({ deciders: { userIds: ['not-a-uuid'] } }), 400);
    expectProblem(await request({ deciders: { roles: ['admin'] }, kind: 'Not A Kind' }), 400);
    expectProblem(await request({ deciders: { roles: ['admin'] }, requesterId: randomUUID() }), 404);
    expectProblem(await api('GET', '/approvals/nope', { token: admin }), 400);
    expectProblem(await api('GET', `/approvals/${randomUUID()}`, { token: admin }), 404);
    expectProblem(await api('GET', '/approvals?status=maybe', { token: admin }), 400);
    expectProblem(await api('POST', `/approvals/${randomUUID()}/approve`, { token: alice.accessToken, body: { comment: 'x'.repeat(3000) } }), 400);
  });
});
