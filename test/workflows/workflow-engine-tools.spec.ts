import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { WorkflowFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type Redis from 'ioredis';
import { createEngineActivities } from '../../activities/engine/engine.activities';
import { DestinationPolicy } from '../../shared/http/destination-policy';
import { SafeHttpClient } from '../../shared/http/safe-http.client';
import { createToolRunActivities } from '../../activities/tools/tool-run.activities';
import { BUILTIN_TOOLS } from '../../shared/domain/builtin-tools';
import { KNOWN_ROLES } from '../../shared/domain/roles';
import { Tool, ToolRun, ToolVersion, User, WorkflowDefinition, WorkflowDefinitionVersion } from '../../shared/persistence/entities';
import { SecretBox } from '../../shared/security/secret-box';
import { parseDefinition } from '../../shared/workflow-definitions/definition-parser';
import { declarativeRunWorkflow, toolRunWorkflow } from '../../workflows';
import { declarativeRunWorkflowId, stateQuery, type WorkflowSpec } from '../../workflows/declarative-run/declarative-run.contract';
import { toolRunWorkflowId, type ToolSpec } from '../../workflows/tool-run/tool-run.contract';
import { openStores, ScriptedReplyProviders, seedTurn } from '../support/chat-turn-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';
import { RecordingServer } from '../support/tool-test-servers';

function spec(yaml: string): WorkflowSpec {
  const parsed = parseDefinition(yaml);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

// Tool nodes run the registry's tools as toolRun children: real Temporal, the stack's Postgres and Redis,
// a local HTTP endpoint allow-listed for the SSRF-safe client.
describe('declarativeRun tool nodes', () => {
  const taskQueue = `test-engine-tools-${randomUUID()}`;
  const tag = randomUUID().slice(0, 8);
  const httpTool = `echo-${tag}`;
  const adminTool = `admin-only-${tag}`;
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let orm: MikroORM;
  let redis: Redis;
  let closeStores: () => Promise<void>;
  let server: RecordingServer;
  let ownerId: string;

  async function register(name: string, over: Partial<ToolVersion>) {
    const em = orm.em.fork();
    const allowedRoles = over.allowedRoles ?? [...KNOWN_ROLES];
    const tool = em.create(Tool, { name, category: 'spec', description: name, allowedRoles });
    const base = { timeoutMs: 2000, retry: { maxAttempts: 1, initialMs: 100, coefficient: 2, maxMs: 100 }, resultMaxBytes: 10_000, cacheTtlSeconds: 0, costPerCallUsd: '0.02', requiresApproval: false };
    em.create(ToolVersion, { tool, version: 1, category: 'spec', description: name, kind: 'http', allowedRoles, ...base, ...over } as never);
    await em.flush();
    return tool;
  }

  beforeAll(async () => {
    ({ orm, redis, close: closeStores } = await openStores());
    server = await new RecordingServer((req, reply) => reply(200, JSON.stringify({ got: req.url }), { 'content-type': 'application/json' })).start();
    ownerId = (await seedTurn(orm, 'none')).userId;
    // The built-ins are registered by the API at boot; a fresh database may not have them yet.
    const em = orm.em.fork();
    const b = BUILTIN_TOOLS.find((t) => t.name === 'current_time')!;
    if (!(await em.count(Tool, { name: 'current_time' }))) {
      const { name, ...rest } = b;
      const tool = em.create(Tool, { name, category: rest.category, description: rest.description, allowedRoles: [...KNOWN_ROLES] });
      em.create(ToolVersion, { tool, version: 1, kind: 'builtin', requiresApproval: false, costPerCallUsd: '0', allowedRoles: [...KNOWN_ROLES], ...rest });
      await em.flush();
    }
    const schema = { type: 'object', required: ['q'], properties: { q: { type: 'string' } } };
    const echo = await register(httpTool, { inputSchema: schema, http: { method: 'GET', urlTemplate: `http://127.0.0.1:${server.port}/old/{q}`, headers: {} } });
    await register(adminTool, { allowedRoles: ['admin'], http: { method: 'GET', urlTemplate: `http://127.0.0.1:${server.port}/admin`, headers: {} } });
    // A second version: a run uses the version current when its node executes.
    const em2 = orm.em.fork();
    const v1 = await em2.findOneOrFail(ToolVersion, { tool: echo.id, version: 1 });
    const { id: _id, createdAt: _at, ...fields } = v1;
    em2.create(ToolVersion, { ...fields, version: 2, http: { method: 'GET', urlTemplate: `http://127.0.0.1:${server.port}/echo/{q}`, headers: {} } });
    await em2.nativeUpdate(Tool, { id: echo.id }, { currentVersion: 2 });
    await em2.flush();

    env = await localTemporal();
    const http = new SafeHttpClient(new DestinationPolicy([`127.0.0.1:${server.port}`]));
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath,
      activities: {
        ...createEngineActivities({ orm, providers: new ScriptedReplyProviders(), http, defaultModel: 'none' }),
        ...createToolRunActivities({ orm, redis, secrets: new SecretBox(Buffer.alloc(32, 7).toString('base64')), http }),
      },
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await server?.stop();
    const em = orm.em.fork();
    await em.nativeDelete(Tool, { name: { $in: [httpTool, adminTool] } });
    if (ownerId) await em.nativeDelete(User, { id: ownerId });
    await closeStores?.();
  });

  function start(source: string, input: Record<string, unknown> = {}) {
    const definitionId = randomUUID();
    const workflowId = declarativeRunWorkflowId(definitionId, randomUUID());
    const handle = env.client.workflow.start(declarativeRunWorkflow, {
      taskQueue,
      workflowId,
      args: [{ definitionId, version: 1, ownerId, spec: spec(source), input, trigger: 'manual' }],
    });
    return { workflowId, handle };
  }

  it('runs an HTTP tool and a built-in as toolRun children, pinned to the current version, as the owner', async () => {
    const { workflowId, handle } = start(
      `
name: Tools
nodes:
  - { id: look, type: action, kind: tool, tool: ${httpTool}, arguments: { q: "\${{ input.word }}" } }
  - { id: clock, type: action, kind: tool, tool: current_time, arguments: { timezone: Europe/Paris } }
`,
      { word: 'hello world' },
    );
    const h = await handle;
    const out = await h.result();
    expect(out.status).toBe('completed');
    expect(out.outputs.look).toMatchObject({ version: 2, cached: false, costUsd: '0.02', result: { status: 200, body: { got: '/echo/hello%20world' } } });
    expect(out.outputs.clock).toMatchObject({ result: { timezone: 'Europe/Paris', utc: expect.any(String) } });
    expect(server.hits('/echo/')).toHaveLength(1);

    // Each call is a toolRun child named by the run and the node, recorded under the owner.
    const childId = toolRunWorkflowId(`${workflowId}:look:1`.replace(/[^A-Za-z0-9-]/g, '-'));
    const child = await env.client.workflow.getHandle(childId).describe();
    expect(child.type).toBe('toolRunWorkflow');
    const run = await orm.em.fork().findOneOrFail(ToolRun, { workflowId: childId });
    expect(run).toMatchObject({ toolName: httpTool, toolVersion: 2, status: 'completed', costUsd: '0.02000000' });
    expect(run.user.id).toBe(ownerId);
    const state = await h.query(stateQuery);
    expect(state.steps.find((s) => s.id === 'look')?.input).toMatchObject({ tool: httpTool, version: 2, input: { q: 'hello world' } });
  });

  it("fails the step clearly when the owner's role may not run the tool, and never calls it", async () => {
    const { handle } = start(`
name: Refused
nodes:
  - { id: forbidden, type: action, kind: tool, tool: ${adminTool} }
`);
    const h = await handle;
    const err = await h.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const step = (await h.query(stateQuery)).steps.find((s) => s.id === 'forbidden');
    expect(step).toMatchObject({ status: 'failed', error: `tool "${adminTool}" does not exist or the workflow's owner (role member) may not use it` });
    expect(server.hits('/admin')).toHaveLength(0);
    expect(await orm.em.fork().count(ToolRun, { toolName: adminTool })).toBe(0);
  });

  it('fails the step when the rendered arguments do not match the input schema', async () => {
    const { handle } = start(`
name: Bad args
nodes:
  - { id: look, type: action, kind: tool, tool: ${httpTool}, arguments: { other: 1 } }
`);
    const h = await handle;
    await expect(h.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const step = (await h.query(stateQuery)).steps.find((s) => s.id === 'look');
    expect(step?.error).toContain(`tool "${httpTool}": the arguments were rejected`);
    expect(step?.error).toContain("must have required property 'q'");
  });

  describe('workflow tools', () => {
    async function definition(source: string) {
      const em = orm.em.fork();
      const def = em.create(WorkflowDefinition, { owner: ownerId, name: 'Tool workflow', description: '' });
      em.create(WorkflowDefinitionVersion, { definition: def, version: 1, format: 'yaml', source, spec: spec(source) });
      await em.flush();
      return def.id;
    }
    const wfTool = (definitionId: string, over: Partial<ToolSpec> = {}): ToolSpec => ({
      name: `wf-${tag}`,
      version: 1,
      kind: 'workflow',
      timeoutMs: 5000,
      retry: { maxAttempts: 1, initialMs: 100, coefficient: 1, maxMs: 100 },
      resultMaxBytes: 10_000,
      cacheTtlSeconds: 0,
      costPerCallUsd: '0.05',
      workflow: { definitionId },
      ...over,
    });
    async function runTool(tool: ToolSpec, input: Record<string, unknown>) {
      const runId = randomUUID();
      const em = orm.em.fork();
      em.create(ToolRun, { id: runId, toolName: tool.name, toolVersion: tool.version, user: ownerId });
      await em.flush();
      const result = env.client.workflow.execute(toolRunWorkflow, { taskQueue, workflowId: toolRunWorkflowId(runId), args: [{ runId, userId: ownerId, tool, input }] });
      return { runId, result };
    }
    const row = (runId: string) => orm.em.fork().findOneOrFail(ToolRun, runId);

    it("runs the definition as a declarativeRun child of the toolRun, under the caller; its outputs are the result", async () => {
      const defId = await definition(`
name: Greeter
input: { type: object, required: [who], properties: { who: { type: string } } }
nodes:
  - { id: look, type: action, kind: tool, tool: ${httpTool}, arguments: { q: "\${{ input.who }}" } }
`);
      const { runId, result } = await runTool(wfTool(defId), { who: 'ada' });
      const out = await result;
      expect(out).toMatchObject({ status: 'completed', costUsd: '0.05', result: { definitionId: defId, version: 1, status: 'completed', outputs: { look: { result: { body: { got: '/echo/ada' } } } } } });
      const child = await env.client.workflow.getHandle(declarativeRunWorkflowId(defId, `tool-run-${runId}`)).describe();
      expect(child.type).toBe('declarativeRunWorkflow');
      expect(await row(runId)).toMatchObject({ status: 'completed', costUsd: '0.05000000' });
    });

    it("refuses input the definition's schema rejects, without starting the run", async () => {
      const defId = await definition('name: Strict\ninput: { type: object, required: [n], properties: { n: { type: integer } } }\nnodes:\n  - { id: nap, type: wait, duration: 1ms }\n');
      const { runId, result } = await runTool(wfTool(defId), { n: 'two' });
      const err = (await result.catch((e: unknown) => e)) as WorkflowFailedError;
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect(err.cause).toMatchObject({ type: 'ToolInputError', message: expect.stringContaining("the workflow's input schema rejected the input") });
      expect(await row(runId)).toMatchObject({ status: 'failed', error: { type: 'ToolInputError' } });
    });

    it("fails as ToolTimeout when the workflow outlives the tool's timeout, and caps the result size", async () => {
      const slow = await definition('name: Slow\nnodes:\n  - { id: nap, type: wait, duration: 30s }\n');
      const { runId, result } = await runTool(wfTool(slow, { timeoutMs: 500 }), {});
      expect(((await result.catch((e: unknown) => e)) as WorkflowFailedError).cause).toMatchObject({ type: 'ToolTimeout' });
      expect(await row(runId)).toMatchObject({ status: 'failed', costUsd: '0.00000000', error: { type: 'ToolTimeout' } });

      const quick = await definition('name: Quick\nnodes:\n  - { id: nap, type: wait, duration: 1ms }\n');
      const capped = await runTool(wfTool(quick, { resultMaxBytes: 20 }), {});
      expect(((await capped.result.catch((e: unknown) => e)) as WorkflowFailedError).cause).toMatchObject({ type: 'ResultTooLarge' });
    });
  });
});
