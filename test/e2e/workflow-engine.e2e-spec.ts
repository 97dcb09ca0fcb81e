import { createHmac } from 'node:crypto';
import { Client, Connection, ScheduleNotFoundError } from '@temporalio/client';
import { api, ApiResponse, expectProblem } from '../support/api-client';
import { loginAdmin, registerUser, TestAccount } from '../support/accounts';
import { waitForEmail } from '../support/mailbox';
import { stack } from '../support/stack';

// The running stack: API, worker (the interpreter and its activities), Postgres, the Temporal dev server.
describe('/workflows (e2e)', () => {
  let owner: TestAccount;
  let other: TestAccount;
  let adminToken: string;
  let connection: Connection;
  let temporal: Client;

  beforeAll(async () => {
    [owner, other, adminToken] = await Promise.all([registerUser('wf-owner'), registerUser('wf-other'), loginAdmin()]);
    connection = await Connection.connect({ address: stack.temporalAddress });
    temporal = new Client({ connection });
  });
  afterAll(async () => connection?.close());

  const as = (who: TestAccount) => ({ token: who.accessToken });
  const create = async (body: object, who = owner) => {
    const res = await api('POST', '/workflows', { ...as(who), body });
    if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string; version: number; webhookSecret?: string };
  };
  const execute = (id: string, input: object, who = owner) => api('POST', `/workflows/${id}/execute`, { ...as(who), body: { input } });

  /** Polls the execution detail until `ok` holds. */
  async function detailUntil(id: string, eid: string, ok: (d: any) => boolean): Promise<any> {
    let last: ApiResponse | undefined;
    for (let i = 0; i < 150; i++) {
      last = await api('GET', `/workflows/${id}/executions/${eid}`, as(owner));
      if (last.status === 200 && ok(last.body)) return last.body;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`execution never reached the state: ${JSON.stringify(last?.body)}`);
  }
  const step = (d: any, stepId: string) => (d.steps as { id: string; status: string; output?: any }[]).find((s) => s.id === stepId);

  it('publishes the schema and at least ten templates', async () => {
    const schema = await api('GET', '/workflows/schema', as(owner));
    expect(schema.status).toBe(200);
    expect(schema.body).toMatchObject({ title: 'Workflow definition', required: ['name', 'nodes'] });
    const templates = await api('GET', '/workflows/templates', as(owner));
    expect(templates.body.items.length).toBeGreaterThanOrEqual(10);
    expect(templates.body.items.map((t: { id: string }) => t.id)).toEqual(expect.arrayContaining(['approval-flow', 'data-pipeline', 'incident-response']));
  });

  it('rejects a bad definition with field paths and line numbers', async () => {
    const source = 'name: Broken\nnodes:\n  - id: start\n    type: decision\n    cases:\n      - when: input.amount >\n        then: missing\n  - id: nap\n    type: wait\n    duration: soon\n';
    const res = await api('POST', '/workflows', { ...as(owner), body: { source } });
    const problem = expectProblem(res, 400);
    expect(problem.errors).toEqual(expect.arrayContaining([{ field: 'nodes[1].duration', line: 10, message: expect.stringContaining('pattern') }]));
    const semantic = await api('POST', '/workflows', { ...as(owner), body: { source: source.replace('soon', '5m') } });
    expect(expectProblem(semantic, 400).errors).toEqual([
      { field: 'nodes[0].cases[0].when', line: 6, message: expect.stringContaining('input.amount >') },
      { field: 'nodes[0].cases[0].then', line: 7, message: '"missing" is not a node in the same list' },
    ]);
    expectProblem(await api('POST', '/workflows', { ...as(owner), body: { templateId: 'nope' } }), 400);
  });

  it('runs the approval-flow template: input validated, approval by route, per-step detail from Temporal', async () => {
    const def = await create({ templateId: 'approval-flow', name: 'Laptop budget' });
    expect(def).toMatchObject({ name: 'Laptop budget', version: 1 });
    const bad = expectProblem(await execute(def.id, { amount: 'lots' }), 400);
    expect(bad.errors).toEqual(expect.arrayContaining([{ field: 'input.requester', message: 'is required' }, { field: 'input.amount', message: 'must be number' }]));

    const started = await execute(def.id, { amount: 5000, requester: owner.email, reason: 'laptops' });
    expect(started.status).toBe(202);
    const eid = started.body.executionId as string;
    const waiting = await detailUntil(def.id, eid, (d) => step(d, 'approve')?.status === 'waiting');
    expect(waiting).toMatchObject({ status: 'running', definitionVersion: 1, input: { amount: 5000 } });
    expect(step(waiting, 'size')).toMatchObject({ status: 'completed', output: { next: 'approve' } });

    expect((await api('POST', `/workflows/${def.id}/executions/${eid}/approve`, { ...as(owner), body: { comment: 'ok' } })).status).toBe(202);
    const done = await detailUntil(def.id, eid, (d) => d.status === 'completed');
    expect(done.result).toMatchObject({ status: 'completed', outputs: { approve: { decision: 'approved', by: owner.email, comment: 'ok' } } });
    expect(step(done, 'approved')).toMatchObject({ status: 'completed', startedAt: expect.any(String), endedAt: expect.any(String) });

    const list = await api('GET', `/workflows/${def.id}/executions`, as(owner));
    expect(list.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ executionId: eid, status: 'completed' })]));
  });

  it('a notify node mails the owner or a verified user, never any address a definition names', async () => {
    const def = await create({
      source: ['name: Notify', 'input: { type: object, properties: { to: { type: string } } }', 'nodes:', '  - id: mail', '    type: action', '    kind: notify', '    to: "${{ input.to }}"', '    subject: Hello', '    text: Hi'].join('\n'),
    });
    const run = async (to: string) => {
      const started = await execute(def.id, { to });
      expect(started.status).toBe(202);
      return detailUntil(def.id, started.body.executionId as string, (d) => d.status !== 'running');
    };
    expect((await run(owner.email)).status).toBe('completed');
    expect((await waitForEmail(owner.email, (m) => m.subject === 'Hello')).text.trim()).toBe('Hi');
    const stranger = await run('stranger@elsewhere.example');
    expect(stranger.status).toBe('failed');
    expect(JSON.stringify(stranger)).toMatch(/not the owner, a team-mate or a verified user/);
    // Another user of the gateway with an unverified address is refused too.
    expect((await run(other.email)).status).toBe('failed');
  });

  it('pins a run to its version: a patch while it waits on a signal does not change it', async () => {
    const v1 = 'name: Pinned\nnodes:\n  - { id: gate, type: wait, signal: go }\n  - { id: old-step, type: decision, cases: [{ when: "true", then: old-end }] }\n  - { id: old-end, type: wait, duration: 1ms }\n';
    const def = await create({ source: v1 });
    const eid = (await execute(def.id, {})).body.executionId as string;
    await detailUntil(def.id, eid, (d) => step(d, 'gate')?.status === 'waiting');

    const patched = await api('PATCH', `/workflows/${def.id}`, { ...as(owner), body: { source: v1.replace(/old-/g, 'new-') } });
    expect(patched.body).toMatchObject({ version: 2 });
    expect((await api('GET', `/workflows/${def.id}`, as(owner))).body.spec.nodes[1].id).toBe('new-step');

    await api('POST', `/workflows/${def.id}/executions/${eid}/signal`, { ...as(owner), body: { name: 'go', payload: { n: 1 } } });
    const done = await detailUntil(def.id, eid, (d) => d.status === 'completed');
    expect(done.definitionVersion).toBe(1);
    expect(Object.keys(done.result.outputs)).toEqual(['gate', 'old-step', 'old-end']);
    expect(done.result.outputs.gate).toEqual({ signal: 'go', payload: { n: 1 } });

    const next = (await execute(def.id, {})).body;
    expect(next.version).toBe(2);
  });

  it('pauses, resumes and cancels a run through the routes', async () => {
    const def = await create({ source: 'name: Steer\nnodes:\n  - { id: first, type: wait, signal: go }\n  - { id: second, type: wait, signal: never }\n' });
    const eid = (await execute(def.id, {})).body.executionId as string;
    await detailUntil(def.id, eid, (d) => step(d, 'first')?.status === 'waiting');
    expect((await api('POST', `/workflows/${def.id}/executions/${eid}/pause`, as(owner))).status).toBe(202);
    await api('POST', `/workflows/${def.id}/executions/${eid}/signal`, { ...as(owner), body: { name: 'go' } });
    const paused = await detailUntil(def.id, eid, (d) => step(d, 'first')?.status === 'completed');
    expect(paused.runStatus).toBe('paused');
    expect(step(paused, 'second')).toBeUndefined();
    await api('POST', `/workflows/${def.id}/executions/${eid}/resume`, as(owner));
    await detailUntil(def.id, eid, (d) => step(d, 'second')?.status === 'waiting');
    expect((await api('POST', `/workflows/${def.id}/executions/${eid}/cancel`, as(owner))).status).toBe(202);
    const cancelled = await detailUntil(def.id, eid, (d) => d.status === 'cancelled');
    expect(step(cancelled, 'second')?.status).toBe('cancelled');
    expectProblem(await api('POST', `/workflows/${def.id}/executions/${eid}/pause`, as(owner)), 409);
  });

  it('starts a run from a signed webhook and refuses a forged signature', async () => {
    const source = JSON.stringify({
      name: 'Hook',
      triggers: [{ type: 'webhook' }],
      input: { type: 'object', required: ['level'], properties: { level: { type: 'integer' } } },
      nodes: [{ id: 'check', type: 'decision', cases: [{ when: 'input.level > 3', then: 'loud' }], end: true }, { id: 'loud', type: 'wait', duration: '1ms' }],
    });
    const def = await create({ source });
    expect(def.webhookSecret).toMatch(/^whsec_/);
    expect((await api('GET', `/workflows/${def.id}`, as(owner))).body.webhookSecret).toBeUndefined();
    const body = JSON.stringify({ level: 5 });
    const sign = (secret: string, raw: string) => `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

    const forged = await api('POST', `/workflows/${def.id}/webhook`, { rawBody: body, headers: { 'x-gateway-signature': sign('not-the-secret', body) } });
    expectProblem(forged, 401);
    expectProblem(await api('POST', `/workflows/${def.id}/webhook`, { rawBody: body }), 401);
    // The signature covers the bytes: the same JSON re-serialized differently does not verify.
    expectProblem(await api('POST', `/workflows/${def.id}/webhook`, { rawBody: '{ "level": 5 }', headers: { 'x-gateway-signature': sign(def.webhookSecret!, body) } }), 401);

    const ok = await api('POST', `/workflows/${def.id}/webhook`, { rawBody: body, headers: { 'x-gateway-signature': sign(def.webhookSecret!, body) } });
    expect(ok.status).toBe(202);
    const done = await detailUntil(def.id, ok.body.executionId, (d) => d.status === 'completed');
    expect(done.result.outputs).toMatchObject({ check: { next: 'loud' }, loud: { waited: '1ms' } });
    const badInput = JSON.stringify({ level: 'x' });
    expectProblem(await api('POST', `/workflows/${def.id}/webhook`, { rawBody: badInput, headers: { 'x-gateway-signature': sign(def.webhookSecret!, badInput) } }), 400);
  });

  it('creates, updates and deletes the Temporal Schedule of a scheduled definition', async () => {
    const source = 'name: Nightly\ntriggers:\n  - type: schedule\n    cron: "30 2 * * *"\n    input: { n: 1 }\nnodes:\n  - { id: nap, type: wait, duration: 1ms }\n';
    const def = await create({ source });
    const handle = temporal.schedule.getHandle(`workflow-schedule:${def.id}`);
    const described = await handle.describe();
    expect(described.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 2, end: 2, step: 1 }], minute: [{ start: 30, end: 30, step: 1 }] });
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'declarativeRunWorkflow' });
    expect((described.action as { args: { version: number }[] }).args[0].version).toBe(1);

    await api('PATCH', `/workflows/${def.id}`, { ...as(owner), body: { source: source.replace('30 2', '45 3') } });
    const updated = await handle.describe();
    expect(updated.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 3, end: 3, step: 1 }] });
    expect((updated.action as { args: { version: number }[] }).args[0].version).toBe(2);

    expect((await api('DELETE', `/workflows/${def.id}`, as(owner))).status).toBe(204);
    await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expectProblem(await api('GET', `/workflows/${def.id}`, as(owner)), 404);
  });

  it("answers 404 for another user's definition and its executions; admins see it", async () => {
    const def = await create({ source: 'name: Mine\nnodes:\n  - { id: gate, type: wait, signal: go }\n' });
    const eid = (await execute(def.id, {})).body.executionId as string;
    const o = as(other);
    expectProblem(await api('GET', `/workflows/${def.id}`, o), 404);
    expectProblem(await api('PATCH', `/workflows/${def.id}`, { ...o, body: { source: 'name: x\nnodes: [{ id: a, type: wait, duration: 1s }]' } }), 404);
    expectProblem(await api('DELETE', `/workflows/${def.id}`, o), 404);
    expectProblem(await api('POST', `/workflows/${def.id}/execute`, { ...o, body: {} }), 404);
    expectProblem(await api('GET', `/workflows/${def.id}/executions`, o), 404);
    expectProblem(await api('GET', `/workflows/${def.id}/executions/${eid}`, o), 404);
    expectProblem(await api('POST', `/workflows/${def.id}/executions/${eid}/cancel`, o), 404);
    expect((await api('GET', '/workflows', o)).body.items.map((d: { id: string }) => d.id)).not.toContain(def.id);
    expect((await api('GET', `/workflows/${def.id}`, { token: adminToken })).status).toBe(200);
    expectProblem(await api('GET', '/workflows/not-an-id', o), 400);
    await api('POST', `/workflows/${def.id}/executions/${eid}/cancel`, as(owner));
  });

  it('lists the code-registered summarizeConversation and checks ids in its input', async () => {
    const list = await api('GET', '/workflows', as(owner));
    expect(list.body.registered).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'code:summarize-conversation', kind: 'code' })]));
    const conversation = await api('POST', '/conversations', { ...as(other), body: { title: 'private' } });
    expect(conversation.status).toBe(201);
    expectProblem(await execute('code:summarize-conversation', { conversationId: conversation.body.id }), 404);
    expectProblem(await execute('code:summarize-conversation', { conversationId: 'nope' }), 400);
  });
});
