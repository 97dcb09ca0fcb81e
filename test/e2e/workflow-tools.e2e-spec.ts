import { randomUUID } from 'node:crypto';
import { api, ApiResponse, expectProblem } from '../support/api-client';
import { loginAdmin, registerUser, TestAccount } from '../support/accounts';
import { sql } from '../support/db';
import { StubLlmServer } from '../support/stub-llm-server';
import { stubModel, STUB_LLM_PORT } from '../support/stub-llm';
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
  const llm = new StubLlmServer();

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
    await llm.start(STUB_LLM_PORT);
    server = await new RecordingServer((req, reply) => reply(200, JSON.stringify({ echoed: decodeURIComponent(req.url.split('/')[2] ?? '') }), { 'content-type': 'application/json' })).start(allowedToolPort());
    [admin, owner] = await Promise.all([loginAdmin(), registerUser('wf-tools-owner')]);
    expect((await api('POST', '/tools', { token: admin, body: httpTool(echo) })).status).toBe(201);
    expect((await api('POST', '/tools', { token: admin, body: httpTool(adminOnly, { allowedRoles: ['admin'] }) })).status).toBe(201);
  });

  afterAll(async () => {
    await server?.stop();
    await llm.stop();
  });

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

  describe('workflow tools', () => {
    const wfTool = `wf_greeter_${tag}`;
    let definitionId: string;

    beforeAll(async () => {
      // An admin's definition, exposed as a tool every role may run; it calls the HTTP tool in turn.
      ({ id: definitionId } = await create(
        `
name: Greeter ${tag}
input: { type: object, required: [word], properties: { word: { type: string, maxLength: 20 } } }
nodes:
  - { id: echo, type: action, kind: tool, tool: ${echo}, arguments: { word: "\${{ input.word }}" } }
`,
        admin,
      ));
      const res = await api('POST', '/tools', {
        token: admin,
        body: { name: wfTool, description: 'Greets through a workflow', kind: 'workflow', workflow: { definitionId }, inputSchema: { type: 'object', required: ['word'], properties: { word: { type: 'string' } } }, costPerCallUsd: 0.01 },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ kind: 'workflow', workflow: { definitionId }, http: null });
    });

    it("executes as a declarativeRun child of the toolRun, under the caller; the run's outputs are the result", async () => {
      const res = await api('POST', `/tools/${wfTool}/execute?wait=true`, { token: owner.accessToken, body: { input: { word: 'salut' } } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'completed', version: 1, costUsd: '0.01', result: { definitionId, version: 1, status: 'completed', outputs: { echo: { result: { body: { echoed: 'salut' } } } } } });
      // The inner tool call ran as the caller too.
      const inner = res.body.result.outputs.echo.runId as string;
      const [row] = await sql<{ user_id: string }>('select user_id from tool_runs where id = ?', [inner]);
      expect(row.user_id).toBe(owner.id);
      // Input is checked by the tool's schema (400 before anything starts), then by the definition's (422).
      expectProblem(await api('POST', `/tools/${wfTool}/execute?wait=true`, { token: owner.accessToken, body: { input: {} } }), 400);
      const tooLong = await api('POST', `/tools/${wfTool}/execute?wait=true`, { token: owner.accessToken, body: { input: { word: 'x'.repeat(30) } } });
      expect(expectProblem(tooLong, 422)).toMatchObject({ errorType: 'ToolInputError', detail: expect.stringContaining("the workflow's input schema rejected the input") });
    });

    it('members cannot register a workflow tool; the definition must be one the registrant can see', async () => {
      expectProblem(await api('POST', '/tools', { token: owner.accessToken, body: { name: `wf_mine_${tag}`, description: 'x', kind: 'workflow', workflow: { definitionId } } }), 403);
      const gone = await create('name: Gone\nnodes:\n  - { id: nap, type: wait, duration: 1ms }\n', admin);
      expect((await api('DELETE', `/workflows/${gone.id}`, { token: admin })).status).toBe(204);
      const res = await api('POST', '/tools', { token: admin, body: { name: `wf_gone_${tag}`, description: 'x', kind: 'workflow', workflow: { definitionId: gone.id } } });
      expect(expectProblem(res, 400).errors).toEqual([{ field: 'workflow.definitionId', message: 'is not a workflow definition you can see' }]);
    });

    it('a chat turn whose model calls the workflow tool gets its outputs as the tool result', async () => {
      const res = await api('POST', '/chat', { token: owner.accessToken, body: { message: '{"word":"hola"}', model: stubModel(`tools-${wfTool}`), tools: [wfTool] } });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('completed');
      expect(res.body.content).toMatch(new RegExp(`^Tool ${wfTool} said: .*"echoed":"hola"`));
      expect(server.hits('/echo/hola')).toHaveLength(1);
    });
  });
});
