import { randomUUID } from 'node:crypto';
import { api, ApiResponse } from '../support/api-client';
import { loginAdmin, registerUser, TestAccount } from '../support/accounts';
import { sql } from '../support/db';
import { allowedToolPort, RecordingServer } from '../support/tool-test-servers';

// Declared workflows calling registry tools (tool nodes), on the running stack. The HTTP tool points at a
// local server on the stack's allowed port (TOOL_HTTP_ALLOW_HOSTS).
describe('workflows × tools (e2e)', () => {
  const tag = randomUUID().slice(0, 8);
  const echo = `wf_echo_${tag}`;
  const adminOnly = `wf_admin_only_${tag}`;
  let server: RecordingServer;
  let admin: string;
  let owner: TestAccount;

  const httpTool = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    description: 'Echoes a word',
    kind: 'http',
    inputSchema: { type: 'object', properties: { word: { type: 'string', minLength: 1 } }, required: ['word'], additionalProperties: false },
    http: { method: 'GET', urlTemplate: `http://127.0.0.1:${allowedToolPort()}/echo/{word}`, headers: {} },
    timeoutMs: 5000,
    costPerCallUsd: 0.003,
    ...extra,
  });

  beforeAll(async () => {
    server = await new RecordingServer((req, reply) => reply(200, JSON.stringify({ echoed: decodeURIComponent(req.url.split('/')[2] ?? '') }), { 'content-type': 'application/json' })).start(allowedToolPort());
    [admin, owner] = await Promise.all([loginAdmin(), registerUser('wf-tools-owner')]);
    expect((await api('POST', '/tools', { token: admin, body: httpTool(echo) })).status).toBe(201);
    expect((await api('POST', '/tools', { token: admin, body: httpTool(adminOnly, { allowedRoles: ['admin'] }) })).status).toBe(201);
  });

  afterAll(async () => server?.stop());

  const create = async (source: string, token = owner.accessToken) => {
    const res = await api('POST', '/workflows', { token, body: { source } });
    if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string };
  };

  async function finished(id: string, eid: string, token = owner.accessToken): Promise<any> {
    let last: ApiResponse | undefined;
    for (let i = 0; i < 150; i++) {
      last = await api('GET', `/workflows/${id}/executions/${eid}`, { token });
      if (last.status === 200 && last.body.status !== 'running') return last.body;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`execution never finished: ${JSON.stringify(last?.body)}`);
  }
  const step = (d: any, id: string) => (d.steps as { id: string; status: string; input?: any; output?: any; error?: string }[]).find((s) => s.id === id);

  it('a tool node runs an HTTP tool and a built-in through the registry, as the owner, pinned to the version current then', async () => {
    // Version 2 is current when the run executes.
    expect((await api('PATCH', `/tools/${echo}`, { token: admin, body: { costPerCallUsd: 0.004 } })).status).toBe(200);
    const def = await create(`
name: Tool pipeline ${tag}
nodes:
  - { id: echo, type: action, kind: tool, tool: ${echo}, arguments: { word: "\${{ input.word }}" } }
  - { id: clock, type: action, kind: tool, tool: current_time, arguments: { timezone: Asia/Tokyo } }
`);
    const started = await api('POST', `/workflows/${def.id}/execute`, { token: owner.accessToken, body: { input: { word: 'bonjour' } } });
    expect(started.status).toBe(202);
    const done = await finished(def.id, started.body.executionId);
    expect(done.status).toBe('completed');
    expect(step(done, 'echo')).toMatchObject({ status: 'completed', input: { tool: echo, version: 2, input: { word: 'bonjour' } }, output: { version: 2, costUsd: '0.004', result: { status: 200, body: { echoed: 'bonjour' } } } });
    expect(step(done, 'clock')?.output).toMatchObject({ result: { timezone: 'Asia/Tokyo', offset: '+09:00' } });
    expect(server.hits('/echo/bonjour')).toHaveLength(1);

    // The run is the owner's: it shows in their runs and usage, at the pinned version.
    const runId = step(done, 'echo')!.output.runId as string;
    const run = await api('GET', `/tools/${echo}/runs/${runId}`, { token: owner.accessToken });
    expect(run.body).toMatchObject({ status: 'completed', version: 2, costUsd: '0.004', workflowId: expect.stringMatching(/^tool-run:workflow-run-/) });
    const [row] = await sql<{ user_id: string }>('select user_id from tool_runs where id = ?', [runId]);
    expect(row.user_id).toBe(owner.id);
  });

  it("a tool node calling a tool the owner's role may not run fails its step with a clear error; nothing is called", async () => {
    const def = await create(`
name: Forbidden tool ${tag}
nodes:
  - { id: sneak, type: action, kind: tool, tool: ${adminOnly}, arguments: { word: x } }
`);
    const started = await api('POST', `/workflows/${def.id}/execute`, { token: owner.accessToken, body: { input: {} } });
    const done = await finished(def.id, started.body.executionId);
    expect(done.status).toBe('failed');
    expect(step(done, 'sneak')).toMatchObject({ status: 'failed', error: `tool "${adminOnly}" does not exist or the workflow's owner (role member) may not use it` });
    expect(server.hits('/echo/x')).toHaveLength(0);
    expect(await sql('select 1 from tool_runs where tool_name = ?', [adminOnly])).toHaveLength(0);
  });
});
