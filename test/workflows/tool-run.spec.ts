import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type Redis from 'ioredis';
import { DestinationPolicy } from '../../shared/http/destination-policy';
import { SafeHttpClient } from '../../shared/http/safe-http.client';
import { createToolRunActivities } from '../../activities/tools/tool-run.activities';
import { ToolRun, User } from '../../shared/persistence/entities';
import { SecretBox } from '../../shared/security/secret-box';
import { toolRunWorkflow } from '../../workflows';
import { toolRunWorkflowId, type ToolRunInput, type ToolSpec } from '../../workflows/tool-run/tool-run.contract';
import { openStores } from '../support/chat-turn-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';
import { RecordingServer } from '../support/tool-test-servers';

// Real Temporal (local dev server), the stack's Postgres and Redis, a local HTTP endpoint for the tool.
describe('toolRun workflow', () => {
  const taskQueue = `test-tool-run-${randomUUID()}`;
  const tag = randomUUID().slice(0, 8);
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let orm: MikroORM;
  let redis: Redis;
  let closeStores: () => Promise<void>;
  let server: RecordingServer;
  let userId: string;
  // Per path: how many of the first requests hang (longer than any timeout here) before it answers.
  const hangFirst = new Map<string, number>();

  beforeAll(async () => {
    ({ orm, redis, close: closeStores } = await openStores());
    server = await new RecordingServer((req, reply) => {
      const path = req.url.split('?')[0];
      const left = hangFirst.get(path) ?? 0;
      if (left > 0) {
        hangFirst.set(path, left - 1);
        setTimeout(() => reply(200, '{"late":true}', { 'content-type': 'application/json' }), 3000).unref();
        return;
      }
      reply(200, JSON.stringify({ path, n: server.hits(path).length }), { 'content-type': 'application/json' });
    }).start();
    const em = orm.em.fork();
    const user = em.create(User, { email: `tool-run-${tag}@example.test`, name: 'Tool run spec' });
    await em.flush();
    userId = user.id;
    env = await localTemporal();
    const activities = createToolRunActivities({
      orm,
      redis,
      secrets: new SecretBox(Buffer.alloc(32, 7).toString('base64')),
      http: new SafeHttpClient(new DestinationPolicy([`127.0.0.1:${server.port}`])),
    });
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await server?.stop();
    if (userId) await orm.em.fork().nativeDelete(User, { id: userId });
    await closeStores?.();
  });

  function tool(path: string, over: Partial<ToolSpec> = {}): ToolSpec {
    return {
      name: `spec-${tag}`,
      version: 1,
      kind: 'http',
      timeoutMs: 1000,
      retry: { maxAttempts: 3, initialMs: 50, coefficient: 1, maxMs: 100 },
      resultMaxBytes: 10_000,
      cacheTtlSeconds: 0,
      costPerCallUsd: '0.01',
      http: { method: 'GET', urlTemplate: `http://127.0.0.1:${server.port}${path}`, headers: {} },
      ...over,
    };
  }

  /** As the API does: the run row first, then the workflow. */
  async function run(spec: ToolSpec, input: Record<string, unknown> = {}) {
    const runId = randomUUID();
    const em = orm.em.fork();
    em.create(ToolRun, { id: runId, toolName: spec.name, toolVersion: spec.version, user: userId });
    await em.flush();
    const args: ToolRunInput = { runId, userId, tool: spec, input };
    const result = env.client.workflow.execute(toolRunWorkflow, { taskQueue, workflowId: toolRunWorkflowId(runId), args: [args] });
    return { runId, result };
  }

  const row = (runId: string) => orm.em.fork().findOneOrFail(ToolRun, runId);

  async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    return cause as ApplicationFailure;
  }

  it("applies the version's timeout per attempt and retries: a call that hangs twice succeeds on the third attempt", async () => {
    const path = `/flaky-${tag}`;
    hangFirst.set(path, 2);
    const { runId, result } = await run(tool(path, { timeoutMs: 400 }));
    const out = await result;
    expect(out).toMatchObject({ status: 'completed', cached: false, costUsd: '0.01', result: { status: 200, body: { path } } });
    expect(server.hits(path)).toHaveLength(3);
    expect(await row(runId)).toMatchObject({ status: 'completed', costUsd: '0.01000000', cached: false });
    expect((await row(runId)).latencyMs).toBeGreaterThanOrEqual(800);
  });

  it('gives up after maxAttempts timeouts: the run fails as ToolTimeout and is recorded failed at no cost', async () => {
    const path = `/slow-${tag}`;
    hangFirst.set(path, 5);
    const { runId, result } = await run(tool(path, { timeoutMs: 300, retry: { maxAttempts: 2, initialMs: 50, coefficient: 1, maxMs: 50 } }));
    const cause = await failure(result);
    expect(cause.type).toBe('ToolTimeout');
    expect(server.hits(path)).toHaveLength(2);
    expect(await row(runId)).toMatchObject({ status: 'failed', costUsd: '0.00000000', error: { type: 'ToolTimeout' } });
  });

  it('never retries a refused destination', async () => {
    const { runId, result } = await run(tool('/x', { http: { method: 'GET', urlTemplate: 'http://169.254.169.254/latest/meta-data/', headers: {} } }));
    const cause = await failure(result);
    expect(cause.type).toBe('DestinationNotAllowed');
    const history = await env.client.workflow.getHandle(toolRunWorkflowId(runId)).fetchHistory();
    const attempts = history.events!.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    // executeTool once (attempt 1), then recordToolRun once.
    expect(attempts).toEqual([1, 1]);
  });

  it('caches by tool version and canonical input: the second run is a hit, costs nothing, and makes no call', async () => {
    const path = `/cached-${tag}`;
    const spec = tool(path, { cacheTtlSeconds: 60 });
    const first = await (await run(spec, { a: 1, b: { c: 2, d: 3 } })).result;
    const second = await (await run(spec, { b: { d: 3, c: 2 }, a: 1 })).result;
    const otherVersion = await (await run({ ...spec, version: 2 }, { a: 1, b: { c: 2, d: 3 } })).result;
    expect(first).toMatchObject({ cached: false, costUsd: '0.01' });
    expect(second).toMatchObject({ cached: true, costUsd: '0', result: first.result });
    expect(otherVersion.cached).toBe(false);
    expect(server.hits(path)).toHaveLength(2);
  });

  it('records a run once: a second outcome for the same run id changes nothing', async () => {
    const { runId, result } = await run(tool(`/once-${tag}`));
    await result;
    const activities = createToolRunActivities({ orm, redis, secrets: new SecretBox(Buffer.alloc(32, 7).toString('base64')), http: new SafeHttpClient(new DestinationPolicy()) });
    expect(await activities.recordToolRun({ runId, status: 'failed', latencyMs: 1, costUsd: '99', cached: false, error: { type: 'X', message: 'late' } })).toBe(false);
    expect(await row(runId)).toMatchObject({ status: 'completed', costUsd: '0.01000000', error: null });
  });

  it('caps the result at resultMaxBytes without retrying', async () => {
    const path = `/capped-${tag}`;
    const { runId, result } = await run(tool(path, { resultMaxBytes: 10 }));
    expect((await failure(result)).type).toBe('ResultTooLarge');
    expect(server.hits(path)).toHaveLength(1);
    expect((await row(runId)).status).toBe('failed');
  });
});
