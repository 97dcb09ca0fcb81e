import { loginAdmin, registerUser, TestAccount } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';
import { uniqueName } from '../support/admin-fixtures';
import { sql } from '../support/db';
import { StubLlmServer } from '../support/stub-llm-server';
import { stubModel, STUB_LLM_PORT } from '../support/stub-llm';

async function auditDenials(policyId: string) {
  for (let i = 0; i < 30; i++) {
    const rows = await sql<{ actor_user_id: string; outcome: string; context: { action: string } }>("select actor_user_id, outcome, context from audit_events where action = 'policy.denied' and resource_id = ?", [policyId]);
    if (rows.length) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
  return [];
}

describe('admin: policies', () => {
  const llm = new StubLlmServer();
  let admin: string;
  let inTeam: TestAccount;
  let outside: TestAccount;
  let teamId: string;
  const created: string[] = [];

  const createPolicy = async (body: Record<string, unknown>) => {
    const res = await api('POST', '/admin/policies', { token: admin, body: { name: uniqueName('pol'), ...body } });
    expect(res.status).toBe(201);
    created.push(res.body.id);
    return res.body as { id: string; name: string };
  };

  beforeAll(async () => {
    await llm.start(STUB_LLM_PORT);
    admin = await loginAdmin();
    [inTeam, outside] = await Promise.all([registerUser('pol-in'), registerUser('pol-out')]);
    // Every policy here is scoped to this team, so other specs on the stack are never affected.
    teamId = (await api('POST', '/admin/teams', { token: admin, body: { name: uniqueName('pol-team') } })).body.id;
    await api('POST', `/admin/teams/${teamId}/members`, { token: admin, body: { userId: inTeam.id } });
  });
  afterAll(async () => {
    for (const id of created) await api('DELETE', `/admin/policies/${id}`, { token: admin });
    await llm.stop();
  });

  it('validates policies field by field and keeps non-admins out', async () => {
    const badEffect = expectProblem(await api('POST', '/admin/policies', { token: admin, body: { name: uniqueName('p'), action: 'chat.turn', rules: [{ effect: 'maybe' }] } }), 400);
    expect(badEffect.errors?.[0].field).toBe('rules.0.effect');
    const badTz = expectProblem(await api('POST', '/admin/policies', { token: admin, body: { name: uniqueName('p'), action: 'chat.turn', rules: [{ effect: 'deny', timeWindow: { timezone: 'Mars/Olympus' } }] } }), 400);
    expect(badTz.errors?.[0].field).toBe('rules.0.timeWindow.timezone');
    expectProblem(await api('POST', '/admin/policies', { token: admin, body: { name: uniqueName('p'), action: 'launch', rules: [] } }), 400);
    expectProblem(await api('POST', '/admin/policies', { token: admin, body: { name: uniqueName('p'), action: 'chat.turn', rules: [{ effect: 'deny', costAboveUsd: -1 }] } }), 400);

    const p = await createPolicy({ action: 'tool.run', enabled: false, rules: [{ effect: 'deny', teams: [teamId] }] });
    expectProblem(await api('POST', '/admin/policies', { token: admin, body: { name: p.name, action: 'chat.turn', rules: [] } }), 409);
    const patched = await api('PATCH', `/admin/policies/${p.id}`, { token: admin, body: { description: 'off for now', rules: [{ effect: 'deny', teams: [teamId], tools: ['calculator'] }] } });
    expect(patched.body).toMatchObject({ description: 'off for now', enabled: false, rules: [{ effect: 'deny', tools: ['calculator'] }] });
    expect((await api('GET', `/admin/policies/${p.id}`, { token: admin })).body.name).toBe(p.name);
    expect((await api('GET', '/admin/policies?limit=100', { token: admin })).body.items.map((x: { id: string }) => x.id)).toContain(p.id);
    expectProblem(await api('GET', '/admin/policies', { token: outside.accessToken }), 403);
    expectProblem(await api('POST', '/admin/policies/simulate', { token: outside.accessToken, body: {} }), 403);
    expect((await api('DELETE', `/admin/policies/${p.id}`, { token: admin })).status).toBe(204);
    expectProblem(await api('GET', `/admin/policies/${p.id}`, { token: admin }), 404);
  });

  it('simulates with a trace: deny wins, cost ceiling, time window in a timezone, data classification', async () => {
    const models = await createPolicy({ action: 'chat.turn', rules: [{ effect: 'allow', teams: [teamId] }, { effect: 'deny', teams: [teamId], models: ['openai-compatible/big-*'] }] });
    const cost = await createPolicy({ action: '*', rules: [{ effect: 'deny', teams: [teamId], costAboveUsd: 0.5 }] });
    const weekend = await createPolicy({ action: 'tool.run', rules: [{ effect: 'deny', teams: [teamId], timeWindow: { days: ['sat', 'sun'], timezone: 'Asia/Tokyo' } }] });
    const secret = await createPolicy({ action: 'tool.run', rules: [{ effect: 'deny', teams: [teamId], classifications: ['secret'] }] });
    const sim = (body: Record<string, unknown>) => api('POST', '/admin/policies/simulate', { token: admin, body });
    const mine = (trace: { policyId: string; matched: boolean }[]) => trace.filter((t) => [models.id, cost.id, weekend.id, secret.id].includes(t.policyId));

    const big = await sim({ subject: { userId: inTeam.id }, action: 'chat.turn', resource: { type: 'chat', model: 'openai-compatible/big-70b', costUsd: 0.01 } });
    expect(big.status).toBe(200);
    expect(big.body).toMatchObject({ decision: 'deny', deciding: { policyId: models.id, rule: 1 } });
    expect(mine(big.body.trace)).toEqual([
      { policyId: models.id, policyName: models.name, rule: 0, matched: true, effect: 'allow' },
      { policyId: models.id, policyName: models.name, rule: 1, matched: true, effect: 'deny' },
      { policyId: cost.id, policyName: cost.name, rule: 0, matched: false, effect: 'deny' },
    ]);
    const small = await sim({ subject: { role: 'member', teamIds: [teamId] }, action: 'chat.turn', resource: { type: 'chat', model: 'openai-compatible/small', costUsd: 0.01 } });
    expect(small.body.decision).toBe('allow');
    const pricey = await sim({ subject: { role: 'member', teamIds: [teamId] }, action: 'chat.turn', resource: { type: 'chat', model: 'openai-compatible/small', costUsd: 0.75 } });
    expect(pricey.body).toMatchObject({ decision: 'deny', deciding: { policyId: cost.id } });
    // The same request from outside the team matches nothing of ours.
    const stranger = await sim({ subject: { userId: outside.id }, action: 'chat.turn', resource: { type: 'chat', model: 'openai-compatible/big-70b', costUsd: 0.75 } });
    expect(mine(stranger.body.trace).every((t: { matched: boolean }) => !t.matched)).toBe(true);

    // Friday 20:00 UTC is Saturday 05:00 in Tokyo.
    const fridayUtc = await sim({ subject: { userId: inTeam.id }, action: 'tool.run', resource: { type: 'tool', tool: 'calculator' }, at: '2026-01-09T20:00:00Z' });
    expect(fridayUtc.body).toMatchObject({ decision: 'deny', deciding: { policyId: weekend.id } });
    const mondayUtc = await sim({ subject: { userId: inTeam.id }, action: 'tool.run', resource: { type: 'tool', tool: 'calculator' }, at: '2026-01-12T03:00:00Z' });
    expect(mondayUtc.body.decision).toBe('allow');
    const classified = await sim({ subject: { userId: inTeam.id }, action: 'tool.run', resource: { type: 'tool', tool: 'calculator', classification: 'secret' }, at: '2026-01-12T03:00:00Z' });
    expect(classified.body).toMatchObject({ decision: 'deny', deciding: { policyId: secret.id } });

    expectProblem(await sim({ subject: {}, action: 'chat.turn', resource: { type: 'chat' } }), 400);
    expectProblem(await sim({ subject: { userId: '00000000-0000-4000-8000-000000000000' }, action: 'chat.turn', resource: { type: 'chat' } }), 404);
    expectProblem(await sim({ subject: { role: 'member' }, action: 'chat.turn', resource: { type: 'chat' }, at: 'tomorrow' }), 400);
    for (const p of [models, cost, weekend, secret]) await api('DELETE', `/admin/policies/${p.id}`, { token: admin });
  });

  it('enforces on /chat before the turn starts: 403 naming the policy, audited; others unaffected', async () => {
    const p = await createPolicy({ action: 'chat.turn', rules: [{ effect: 'deny', teams: [teamId], models: [stubModel('echo')] }] });
    const turnsBefore = await sql<{ n: string }>('select count(*) as n from chat_turns where user_id = ?', [inTeam.id]);
    const denied = expectProblem(await api('POST', '/chat', { token: inTeam.accessToken, body: { message: 'hello', model: stubModel('echo') } }), 403);
    expect(denied).toMatchObject({ policyId: p.id, policyName: p.name, detail: expect.stringContaining(p.name) });
    expect(await sql<{ n: string }>('select count(*) as n from chat_turns where user_id = ?', [inTeam.id])).toEqual(turnsBefore);
    const ok = await api('POST', '/chat', { token: outside.accessToken, body: { message: 'hello', model: stubModel('echo') } });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('completed');

    const audit = await auditDenials(p.id);
    expect(audit).toEqual([expect.objectContaining({ actor_user_id: inTeam.id, outcome: 'denied', context: expect.objectContaining({ action: 'chat.turn' }) })]);

    // Disabling the policy takes effect on the next request.
    await api('PATCH', `/admin/policies/${p.id}`, { token: admin, body: { enabled: false } });
    expect((await api('POST', '/chat', { token: inTeam.accessToken, body: { message: 'hello again', model: stubModel('echo') } })).status).toBe(200);
  });

  it('enforces on tool execute before a run starts, including a cost ceiling', async () => {
    const p = await createPolicy({ action: 'tool.run', rules: [{ effect: 'deny', teams: [teamId], tools: ['calculator'] }] });
    const denied = expectProblem(await api('POST', '/tools/calculator/execute?wait=true', { token: inTeam.accessToken, body: { input: { expression: '1+2' } } }), 403);
    expect(denied).toMatchObject({ policyId: p.id });
    expect(await sql('select id from tool_runs where user_id = ?', [inTeam.id])).toEqual([]);
    const ok = await api('POST', '/tools/calculator/execute?wait=true', { token: outside.accessToken, body: { input: { expression: '1+2' } } });
    expect(ok.status).toBe(200);
    expect((await auditDenials(p.id))[0]).toMatchObject({ actor_user_id: inTeam.id, context: expect.objectContaining({ action: 'tool.run' }) });
    await api('DELETE', `/admin/policies/${p.id}`, { token: admin });

    // A priced tool above the team's ceiling is refused; the free calculator passes.
    const name = uniqueName('priced').replace(/-/g, '_');
    const tool = await api('POST', '/tools', {
      token: admin,
      body: { name, description: 'priced', category: 'test', kind: 'http', inputSchema: { type: 'object' }, http: { method: 'GET', urlTemplate: 'http://127.0.0.1:9/never' }, costPerCallUsd: 0.25 },
    });
    expect(tool.status).toBe(201);
    const ceiling = await createPolicy({ action: 'tool.run', rules: [{ effect: 'deny', teams: [teamId], costAboveUsd: 0.1 }] });
    expect(expectProblem(await api('POST', `/tools/${name}/execute`, { token: inTeam.accessToken, body: { input: {} } }), 403)).toMatchObject({ policyId: ceiling.id });
    expect((await api('POST', '/tools/calculator/execute?wait=true', { token: inTeam.accessToken, body: { input: { expression: '2*3' } } })).status).toBe(200);
    await api('DELETE', `/tools/${name}`, { token: admin });
  });

  describe('on the workflow path', () => {
    const workflow = async (token: string, source: string) => {
      const res = await api('POST', '/workflows', { token, body: { source } });
      expect(res.status).toBe(201);
      return res.body as { id: string };
    };
    const auditEvents = async (query: string) => {
      const res = await api('GET', `/audit/events?${query}&limit=100`, { token: admin });
      expect(res.status).toBe(200);
      return res.body.items as { action: string; outcome: string; actor: { userId: string | null }; resource: { type: string; id: string }; context: Record<string, any> }[];
    };
    async function finished(id: string, eid: string, token: string): Promise<any> {
      for (let i = 0; i < 150; i++) {
        const res = await api('GET', `/workflows/${id}/executions/${eid}`, { token });
        if (res.status === 200 && res.body.status !== 'running') return res.body;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('execution never finished');
    }

    it('a deny policy on a workflow blocks its execute with a 403 naming the policy, visible in /audit/events; other workflows run', async () => {
      const blocked = await workflow(inTeam.accessToken, `name: ${uniqueName('blocked')}\nnodes:\n  - { id: nap, type: wait, duration: 1ms }\n`);
      const free = await workflow(inTeam.accessToken, `name: ${uniqueName('free')}\nnodes:\n  - { id: nap, type: wait, duration: 1ms }\n`);
      const p = await createPolicy({ action: 'workflow.execute', rules: [{ effect: 'deny', teams: [teamId], workflows: [blocked.id] }] });

      const denied = expectProblem(await api('POST', `/workflows/${blocked.id}/execute`, { token: inTeam.accessToken, body: { input: {} } }), 403);
      expect(denied).toMatchObject({ policyId: p.id, policyName: p.name, detail: `Policy "${p.name}" denies this workflow.execute` });
      // Nothing started: the definition has no runs.
      expect((await api('GET', `/workflows/${blocked.id}/executions`, { token: inTeam.accessToken })).body.items).toEqual([]);
      expect((await api('POST', `/workflows/${free.id}/execute`, { token: inTeam.accessToken, body: { input: {} } })).status).toBe(202);

      let events: Awaited<ReturnType<typeof auditEvents>> = [];
      for (let i = 0; i < 30 && !events.length; i++) {
        events = await auditEvents(`action=policy.denied&resourceId=${p.id}`);
        if (!events.length) await new Promise((r) => setTimeout(r, 100));
      }
      expect(events).toEqual([
        expect.objectContaining({ outcome: 'denied', actor: expect.objectContaining({ userId: inTeam.id }), context: expect.objectContaining({ action: 'workflow.execute', resource: { type: 'workflow', id: blocked.id } }) }),
      ]);

      // The simulator knows the new action and condition.
      const sim = await api('POST', '/admin/policies/simulate', { token: admin, body: { subject: { userId: inTeam.id }, action: 'workflow.execute', resource: { type: 'workflow', id: blocked.id } } });
      expect(sim.body).toMatchObject({ decision: 'deny', deciding: { policyId: p.id, rule: 0 } });
      await api('DELETE', `/admin/policies/${p.id}`, { token: admin });
      expect((await api('POST', `/workflows/${blocked.id}/execute`, { token: inTeam.accessToken, body: { input: {} } })).status).toBe(202);
    });

    it("a deny policy on a tool fails a workflow's tool node naming the policy, for the owner's teams only, audited", async () => {
      const p = await createPolicy({ action: 'tool.run', rules: [{ effect: 'deny', teams: [teamId], tools: ['current_time'] }] });
      const source = `name: ${uniqueName('clock')}\nnodes:\n  - { id: clock, type: action, kind: tool, tool: current_time, arguments: { timezone: UTC } }\n`;
      const mine = await workflow(inTeam.accessToken, source);
      const theirs = await workflow(outside.accessToken, source);

      const started = await api('POST', `/workflows/${mine.id}/execute`, { token: inTeam.accessToken, body: { input: {} } });
      expect(started.status).toBe(202);
      const done = await finished(mine.id, started.body.executionId, inTeam.accessToken);
      expect(done.status).toBe('failed');
      const step = (done.steps as { id: string; status: string; error?: string }[]).find((s) => s.id === 'clock');
      expect(step).toMatchObject({ status: 'failed', error: `tool "current_time": denied by policy "${p.name}" for the workflow's owner (role member)` });
      expect(await sql("select 1 from tool_runs where user_id = ? and tool_name = 'current_time'", [inTeam.id])).toEqual([]);

      // The same definition of a user outside the team runs the tool.
      const other = await api('POST', `/workflows/${theirs.id}/execute`, { token: outside.accessToken, body: { input: {} } });
      expect((await finished(theirs.id, other.body.executionId, outside.accessToken)).status).toBe('completed');

      const events = await auditEvents(`action=policy.denied&resourceId=${p.id}`);
      expect(events).toEqual([
        expect.objectContaining({
          outcome: 'denied',
          actor: expect.objectContaining({ userId: inTeam.id }),
          context: expect.objectContaining({ action: 'tool.run', via: 'workflow-tool-node', resource: { type: 'tool', tool: 'current_time', costUsd: 0 } }),
        }),
      ]);
    });
  });
});
