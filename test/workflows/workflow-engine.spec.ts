import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import { WorkflowFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createTransport } from 'nodemailer';
import { createEngineActivities } from '../../activities/engine/engine.activities';
import { createEmailActivities } from '../../activities/notifications/email.activities';
import { DestinationPolicy } from '../../shared/http/destination-policy';
import { SafeHttpClient } from '../../shared/http/safe-http.client';
import { User, WorkflowDefinition, WorkflowDefinitionVersion } from '../../shared/persistence/entities';
import { parseDefinition } from '../../shared/workflow-definitions/definition-parser';
import { TEMPLATES_DIR } from '../../shared/workflow-definitions/workflow-templates';
import { declarativeRunWorkflow } from '../../workflows';
import {
  approveSignal,
  DeclarativeRunInput,
  declarativeRunWorkflowId,
  namedSignal,
  pauseSignal,
  resumeSignal,
  stateQuery,
  WorkflowSpec,
} from '../../workflows/declarative-run/declarative-run.contract';
import { openStores, scriptedCandidate, ScriptedReplyProviders, seedTurn, words } from '../support/chat-turn-fixtures';
import { timeSkippingTemporal, workflowsPath } from '../support/temporal-env';

const DAY = 86_400_000;

/** YAML → validated spec (the same parser the API uses). */
function spec(yaml: string): WorkflowSpec {
  const parsed = parseDefinition(yaml);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}
const template = (id: string) => spec(readFileSync(join(TEMPLATES_DIR, `${id}.yaml`), 'utf8'));

// The time-skipping server (waits of days), the stack's Postgres and SMTP sink; the LLM layer is scripted
// and the HTTP targets are a local server allow-listed for the SSRF-safe client.
describe('declarativeRun interpreter', () => {
  const providers = new ScriptedReplyProviders();
  const taskQueue = `test-engine-${randomUUID()}`;
  const mails: { to: string; subject: string; text: string }[] = [];
  const hits: { method: string; url: string; body: string }[] = [];
  let aborted = 0;
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let orm: MikroORM;
  let closeStores: () => Promise<void>;
  let server: Server;
  let base: string;
  let ownerId: string;
  /** Notify nodes mail only the owner, a team-mate or a verified user: these addresses are verified users. */
  const verifiedRecipient = async (tag: string) => {
    const em = orm.em.fork();
    const user = em.create(User, { email: `${tag}-${randomUUID()}@example.test`, name: tag, emailVerifiedAt: new Date() });
    await em.flush();
    return user.email;
  };
  let llmPrompts: string[];
  const triageModel = () =>
    providers.chain('triage', [scriptedCandidate('scripted/triage', 'co', (req, signal) => (llmPrompts.push(String(req.messages.at(-1)?.content)), words(['URGENT:', 'disk', 'full'], { signal })))]);

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hits.push({ method: req.method!, url: req.url!, body });
        if (req.url === '/hang') {
          res.on('close', () => aborted++);
          return; // held open until the client gives up
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ records: [{ id: 1, name: 'ada' }, { id: 2, name: 'linus' }], ok: true }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ({ orm, close: closeStores } = await openStores());
    ownerId = (await seedTurn(orm, 'none')).userId;
    env = await timeSkippingTemporal();
    const smtp = createTransport(process.env.SMTP_URL ?? 'smtp://127.0.0.1:1025');
    llmPrompts = [];
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath,
      maxHeartbeatThrottleInterval: '500 milliseconds',
      activities: {
        ...createEngineActivities({ orm, providers, http: new SafeHttpClient(new DestinationPolicy(['127.0.0.1'])), defaultModel: triageModel() }),
        ...createEmailActivities({
          from: 'engine@spec.local',
          transport: { sendMail: async (m: { to: string; subject: string; text: string }) => (mails.push(m), smtp.sendMail(m)) } as never,
        }),
      },
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await orm?.em.fork().nativeDelete(User, { id: ownerId });
    await closeStores?.();
    server?.closeAllConnections();
    server?.close();
  });

  function start(s: WorkflowSpec, input: Record<string, unknown> = {}, definitionId = randomUUID()) {
    const run: DeclarativeRunInput = { definitionId, version: 1, ownerId, spec: s, input, trigger: 'manual' };
    return env.client.workflow.start(declarativeRunWorkflow, { taskQueue, workflowId: declarativeRunWorkflowId(definitionId, randomUUID()), args: [run] });
  }

  async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const v = await probe();
      if (ok(v)) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('condition never met');
  }

  it('waits three days on a timer and reports per-step timings', async () => {
    const t0 = await env.currentTimeMs();
    const h = await start(spec('name: w\nnodes:\n  - { id: nap, type: wait, duration: 3d }\n  - { id: after, type: decision, cases: [{ when: "true", then: done }] }\n  - { id: done, type: wait, duration: 1s }'));
    expect(await h.result()).toMatchObject({ status: 'completed', outputs: { nap: { waited: '3d' }, after: { matched: 0 } } });
    expect((await env.currentTimeMs()) - t0).toBeGreaterThanOrEqual(3 * DAY);
    const state = await h.query(stateQuery);
    const nap = state.steps.find((s) => s.id === 'nap')!;
    expect(Date.parse(nap.endedAt!) - Date.parse(nap.startedAt)).toBeGreaterThanOrEqual(3 * DAY);
    expect(state.steps.map((s) => [s.id, s.status])).toEqual([['nap', 'completed'], ['after', 'completed'], ['done', 'completed']]);
  });

  it('fails a loop that hits its cap, after exactly max iterations', async () => {
    const h = await start(spec('name: l\nnodes:\n  - id: forever\n    type: loop\n    while: "true"\n    max: 5\n    do:\n      - { id: tick, type: wait, duration: 1h }'));
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toMatchObject({ type: 'LoopCapExceeded', message: 'loop forever hit its cap of 5 iterations' });
    const state = await h.query(stateQuery);
    expect(state.status).toBe('failed');
    expect(state.steps.find((s) => s.id === 'forever')).toMatchObject({ status: 'failed', iterations: 5 });
    expect(state.steps.find((s) => s.id === 'tick')).toMatchObject({ status: 'completed', iterations: 5 });
  });

  it('joins parallel branches: all waits for every branch, any cancels the rest', async () => {
    const branches = (join: string) =>
      `name: p\nnodes:\n  - id: fan\n    type: parallel\n    join: ${join}\n    branches:\n      - { id: quick, nodes: [{ id: q-${join}, type: wait, duration: 1h }] }\n      - { id: slow, nodes: [{ id: s-${join}, type: wait, duration: 2d }] }`;
    const all = await start(spec(branches('all')));
    expect(await all.result()).toMatchObject({ outputs: { fan: { join: 'all', completed: ['quick', 'slow'] } } });
    const any = await start(spec(branches('any')));
    expect(await any.result()).toMatchObject({ outputs: { fan: { join: 'any', completed: ['quick'] } } });
    const steps = (await any.query(stateQuery)).steps;
    expect(steps.find((s) => s.id === 'q-any')?.status).toBe('completed');
    expect(steps.find((s) => s.id === 's-any')?.status).toBe('cancelled');
  });

  it('pauses before the next step and resumes', async () => {
    const h = await start(spec('name: pr\nnodes:\n  - { id: gate, type: wait, signal: go }\n  - { id: next-step, type: wait, duration: 1m }'));
    await h.signal(pauseSignal);
    await h.signal(namedSignal, { name: 'go', payload: { by: 'spec' } });
    const paused = await until(() => h.query(stateQuery), (s) => s.steps[0]?.status === 'completed');
    expect(paused.status).toBe('paused');
    expect(paused.steps.map((s) => s.id)).toEqual(['gate']);
    await h.signal(resumeSignal);
    expect(await h.result()).toMatchObject({ status: 'completed', outputs: { gate: { signal: 'go', payload: { by: 'spec' } }, 'next-step': { waited: '1m' } } });
  });

  it('cancel reaches a child run and an in-flight activity', async () => {
    const em = orm.em.fork();
    const childDef = em.create(WorkflowDefinition, { owner: ownerId, name: 'child' });
    em.create(WorkflowDefinitionVersion, { definition: childDef, version: 1, format: 'yaml', source: '', spec: spec('name: child\nnodes:\n  - { id: hold, type: wait, signal: never }') });
    await em.flush();
    const h = await start(
      spec(`name: c\nnodes:\n  - id: both\n    type: parallel\n    branches:\n      - nodes: [{ id: sub, type: sub-workflow, workflow: ${childDef.id} }]\n      - nodes: [{ id: call, type: action, kind: http, request: { url: "${base}/hang" }, timeout: 10m }]`),
    );
    await until(async () => hits.filter((x) => x.url === '/hang').length, (n) => n > 0);
    const running = await until(() => h.query(stateQuery), (s) => s.steps.some((x) => x.id === 'sub' && (x.input as object | undefined) !== undefined));
    const childId = declarativeRunWorkflowId(childDef.id, `${h.workflowId.replace(/[^A-Za-z0-9-]/g, '-')}-sub-1`);
    expect(running.status).toBe('running');
    await h.cancel();
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const child = env.client.workflow.getHandle(childId);
    expect(await until(async () => (await child.describe()).status.name, (st) => st !== 'RUNNING')).toBe('CANCELLED');
    await until(async () => aborted, (n) => n > 0);
    const steps = (await h.query(stateQuery)).steps;
    expect(steps.filter((s) => s.id === 'sub' || s.id === 'call').map((s) => s.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('runs the approval-flow template: waits for the approve signal, then notifies', async () => {
    const to = await verifiedRecipient('approver');
    const h = await start(template('approval-flow'), { amount: 5000, requester: to, reason: 'laptops' });
    await until(() => h.query(stateQuery), (s) => s.steps.some((x) => x.id === 'approve' && x.status === 'waiting'));
    await h.signal(approveSignal, { by: 'boss', comment: 'fine' });
    expect(await h.result()).toMatchObject({ status: 'completed', outputs: { approve: { decision: 'approved', by: 'boss' } } });
    expect(mails.filter((m) => m.to === to).map((m) => m.subject)).toEqual(['Request approved']);
  });

  it('approval-flow rejects when nobody answers within three days', async () => {
    const to = await verifiedRecipient('late');
    const h = await start(template('approval-flow'), { amount: 5000, requester: to });
    expect(await h.result()).toMatchObject({ status: 'completed', outputs: { approve: { decision: 'rejected', timedOut: true } } });
    expect(mails.filter((m) => m.to === to).map((m) => m.subject)).toEqual(['Request rejected']);
  });

  it('runs the webhook-llm-triage template through the LLM layer', async () => {
    const to = await verifiedRecipient('oncall');
    const h = await start(template('webhook-llm-triage'), { message: 'the disk is full', notify: to });
    expect(await h.result()).toMatchObject({ outputs: { classify: { text: 'URGENT: disk full', model: 'scripted/triage' }, route: { matched: 0 } } });
    expect(llmPrompts).toContain('the disk is full');
    expect(mails.find((m) => m.to === to)).toMatchObject({ subject: 'Urgent message', text: 'URGENT: disk full' });
  });

  it('runs the data-pipeline template: fetch, a loop of posts, a report', async () => {
    const to = await verifiedRecipient('etl');
    const before = hits.length;
    const h = await start(template('data-pipeline'), { sourceUrl: `${base}/source`, sinkUrl: `${base}/sink`, reportTo: to });
    expect(await h.result()).toMatchObject({ outputs: { load: { iterations: 2 } } });
    const posts = hits.slice(before).filter((x) => x.url === '/sink');
    expect(posts.map((p) => JSON.parse(p.body) as unknown)).toEqual([{ id: 1, name: 'ADA', position: 0 }, { id: 2, name: 'LINUS', position: 1 }]);
    expect(mails.find((m) => m.to === to)?.text).toBe('Loaded 2 records.');
  });
});
