import { reserveBudgets } from '../../shared/billing/budget-ledger';
import { BudgetScope } from '../../shared/persistence/entities';
import { ORPHAN_TURN_PROBLEM, TURN_ORPHAN_BOUND_SECONDS } from '../../workflows/turn-sweeper/turn-sweeper.contract';
import { loginAdmin, registerUser, type TestAccount } from '../support/accounts';
import { openStores, seedTurn } from '../support/chat-turn-fixtures';
import { api } from '../support/api-client';
import { startApiProcess } from '../support/api-process';
import { sql } from '../support/db';
import { openSse, visibleText, type SseEvent, type SseSession } from '../support/sse-client';
import { pidOf, postgres, redis, restartedAfter, temporal } from '../support/stack-faults';
import { StubLlmServer } from '../support/stub-llm-server';
import { stubModel, STUB_LLM_PORT } from '../support/stub-llm';

/**
 * The fault contract, against the real stack: processes killed with SIGKILL mid-stream, and Postgres,
 * Redis and Temporal stopped and started under a mixed load (chat turns and REST). Whatever happens:
 * no turn stays running and no budget hold stays open; what a client shows of a completed turn
 * (tokens, `reset` dropping an interrupted attempt) is byte-identical to the stored reply, with one
 * usage row; requests that need the missing component answer 503 problem+json with Retry-After in
 * bounded time (never 500), the API process stays up, and everything recovers by itself.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SLOW = stubModel('slow-50'); // 40 words, 50 ms apart, unpriced
const PRICED = 'openai/gpt-4o'; // the stub's echo, priced by the registry: every turn holds budget
/** Longest any request may take while a component is down (Temporal calls are bounded at 5 s). */
const MAX_REQUEST_MS = 7_000;
const TERMINAL = new Set(['done', 'error', 'cancelled']);

interface Outcome {
  route: string;
  status: number;
  ms: number;
  problem: boolean;
  retryAfter: boolean;
}

interface Started {
  turnId: string;
  session: SseSession;
  apiUrl?: string;
}

const figures: { scenario: string; turns: number; completed: number; failed: number; kills: number; outages: number; requests: number; err500: number; err503: number; maxMs: number; recoverySeconds: number | null }[] = [];

/** Loads still running (a failed test's): stopped after each test. */
const live = new Set<{ stop(): Promise<void> }>();

/** Chat turns (half slow, half priced) and REST requests, in two loops, until stopped. */
class MixedLoad {
  readonly outcomes: Outcome[] = [];
  readonly turns: Started[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private n = 0;

  constructor(private readonly user: TestAccount) {}

  start() {
    live.add(this);
    this.running = true;
    this.loops = [this.restLoop(), this.chatLoop()];
    return this;
  }

  async stop() {
    live.delete(this);
    this.running = false;
    await Promise.all(this.loops);
  }

  private record(route: string, started: number, status: number, headers: Headers) {
    this.outcomes.push({ route, status, ms: Date.now() - started, problem: headers.get('content-type')?.startsWith('application/problem+json') ?? false, retryAfter: headers.has('retry-after') });
  }

  private async restLoop() {
    while (this.running) {
      const last = this.turns[this.turns.length - 1]?.turnId;
      const routes = ['/conversations?limit=5', '/monitoring/health/live', ...(last ? [`/chat/turns/${last}`] : [])];
      await Promise.all(
        routes.map(async (route) => {
          const t0 = Date.now();
          // Liveness is public and needs no dependency: asked without a credential (whose check needs Postgres).
          const res = await api('GET', route, route.startsWith('/monitoring') ? {} : { token: this.user.accessToken });
          this.record(`GET ${route.replace(/[0-9a-f-]{36}/, ':id').replace(/\?.*/, '')}`, t0, res.status, res.headers);
        }),
      );
      await sleep(150);
    }
  }

  private async chatLoop() {
    const inFlight: Promise<void>[] = [];
    while (this.running) {
      const i = this.n++;
      inFlight.push(this.chat(i % 2 ? PRICED : SLOW, `load ${i}`));
      await sleep(300);
    }
    await Promise.all(inFlight);
  }

  async chat(model: string, message: string, apiUrl?: string) {
    const t0 = Date.now();
    const session = await openSse('/chat/stream', { apiUrl, token: this.user.accessToken, body: { message, model } });
    this.record('POST /chat/stream', t0, session.status, session.headers);
    if (session.status !== 200) return;
    // The first event names the turn.
    while (!session.received.length) {
      if ((await Promise.race([session.events.then(() => 'end', () => 'end'), sleep(20).then(() => 'wait')])) === 'end') break;
    }
    const first = session.received[0];
    if (first?.event === 'turn') this.turns.push({ turnId: first.data.turnId, session, apiUrl });
  }
}

async function streamFromApi(admin: string, on: boolean) {
  const res = await api('PATCH', '/admin/system/config', { token: admin, body: { chatStreamFromApi: on } });
  expect(res.status).toBe(200);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** Seconds from the component's return until a request that needs it succeeds again. */
async function recovery(probe: () => Promise<boolean>, from: number): Promise<number> {
  await until('recovery', async () => ((await probe()) ? true : undefined), 30_000);
  return Math.round((Date.now() - from) / 100) / 10;
}

/**
 * Each turn ends (bounded), and a client that lost its stream resumes with Last-Event-ID: no event twice,
 * and a completed turn shows exactly the stored reply, billed once; a failed one ends with `error`.
 */
async function settle(user: TestAccount, turns: Started[]): Promise<{ completed: number; failed: number }> {
  let completed = 0;
  let failed = 0;
  await Promise.all(
    turns.map(async ({ turnId, session }) => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([session.events.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 60_000)))]);
      clearTimeout(timer);
      const turn = await until(`turn ${turnId} to end`, async () => {
        const res = await api('GET', `/chat/turns/${turnId}`, { token: user.accessToken });
        return res.status === 200 && res.body.status !== 'running' ? res.body : undefined;
      }, 90_000);
      const before: SseEvent[] = session.received;
      let after: SseEvent[] = [];
      if (!TERMINAL.has(before[before.length - 1]?.event)) {
        const lastId = [...before].reverse().find((e) => e.id)?.id;
        const resumed = await openSse(`/chat/turns/${turnId}/stream`, { token: user.accessToken, headers: lastId ? { 'last-event-id': lastId } : {} });
        after = await resumed.events;
      }
      const all = [...before, ...after];
      const ids = all.map((e) => e.id).filter(Boolean);
      expect({ turnId, duplicated: ids.length - new Set(ids).size }).toEqual({ turnId, duplicated: 0 });
      const usage = await sql<{ n: number }>('select count(*)::int as n from usage_records where source_id = ?', [turnId]);
      if (turn.status === 'completed') {
        completed++;
        expect({ turnId, shown: visibleText(all) }).toEqual({ turnId, shown: turn.content });
        expect(all[all.length - 1].event).toBe('done');
        expect(usage[0].n).toBe(1);
      } else {
        failed++;
        expect(turn.status).toBe('failed');
        expect(all[all.length - 1].event).toBe('error');
        // Never the provider's problem, never a driver's text.
        expect(turn.error ?? '').not.toMatch(/ECONNREFUSED|max retries|Connection is closed|127\.0\.0\.1/);
      }
    }),
  );
  return { completed, failed };
}

/** No turn of the user stays running and no hold stays reserved. */
async function expectNothingStuck(user: TestAccount) {
  const [stuck] = await sql<{ running: number; held: number }>(
    `select (select count(*)::int from chat_turns where user_id = ? and status = 'running') as running,
            (select count(*)::int from budget_reservations r join chat_turns t on t.id::text = r.source_id where t.user_id = ? and r.status = 'reserved') as held`,
    [user.id, user.id],
  );
  expect(stuck).toEqual({ running: 0, held: 0 });
}

/** 503 problem+json with Retry-After, in bounded time; never a 500. */
function expectDegradedNotDead(outcomes: Outcome[]) {
  const bad = outcomes.filter((o) => o.status >= 500 && (o.status !== 503 || !o.problem || !o.retryAfter));
  expect(bad).toEqual([]);
  expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(MAX_REQUEST_MS);
}

function record(scenario: string, load: MixedLoad, settled: { completed: number; failed: number }, extra: { kills?: number; outages?: number; recoverySeconds?: number | null }) {
  figures.push({
    scenario,
    turns: load.turns.length,
    ...settled,
    kills: extra.kills ?? 0,
    outages: extra.outages ?? 0,
    requests: load.outcomes.length,
    err500: load.outcomes.filter((o) => o.status === 500).length,
    err503: load.outcomes.filter((o) => o.status === 503).length,
    maxMs: Math.max(0, ...load.outcomes.map((o) => o.ms)),
    recoverySeconds: extra.recoverySeconds ?? null,
  });
}

async function health() {
  const res = await api('GET', '/monitoring/health');
  return Object.fromEntries((res.body.components as { name: string; status: string }[]).map((c) => [c.name, c.status]));
}

/**
 * Stops a component, runs `during`, and starts it again, even when an assertion fails meanwhile (the
 * stack is shared with the specs that follow). Returns when the component was started again.
 */
async function outage(component: { stop(): Promise<void>; start(): Promise<void> }, during: () => Promise<void>): Promise<number> {
  await component.stop();
  try {
    await during();
  } finally {
    await component.start();
  }
  return Date.now();
}

describe('faults: kills and outages under load', () => {
  const llm = new StubLlmServer();
  let admin: string;
  let user: TestAccount;

  beforeAll(async () => {
    await llm.start(STUB_LLM_PORT);
    admin = await loginAdmin();
    user = await registerUser('faults');
    // Every priced turn holds budget: the suite checks no hold survives a fault.
    const budget = await api('PUT', '/billing/budgets', { token: admin, body: { scopeType: 'user', scopeId: user.id, window: 'monthly', limitUsd: '1000' } });
    expect(budget.status).toBeLessThan(300);
  });

  afterEach(() => Promise.all([...live].map((load) => load.stop())));

  afterAll(async () => {
    await streamFromApi(admin, true).catch(() => undefined);
    await llm.stop();
    console.log(`fault suite figures\n${figures.map((f) => JSON.stringify(f)).join('\n')}`);
  });

  it.each([true, false])('a provider ignoring max_tokens is cut at the reserved cap (stream from API: %s)', async (fromApi) => {
    await streamFromApi(admin, fromApi);
    const message = Array.from({ length: 30 }, (_, i) => `m${i}`).join(' ');
    const s = await openSse('/chat/stream', { token: user.accessToken, body: { message, model: PRICED, maxTokens: 8 } });
    const events = await s.events;
    const turn = await api('GET', `/chat/turns/${events[0].data.turnId}`, { token: user.accessToken });
    // The stub streams 32 words whatever max_tokens says: 8 are read, stored and billed.
    expect(turn.body.content.split(' ')).toHaveLength(8);
    expect(visibleText(events)).toBe(turn.body.content);
    expect(turn.body.usage.outputTokens).toBe(8);
    const [hold] = await sql<{ amount_usd: string; actual_usd: string }>('select amount_usd, actual_usd from budget_reservations where source_id = ?', [turn.body.turnId]);
    expect(Number(hold.actual_usd)).toBeLessThanOrEqual(Number(hold.amount_usd));
  });

  it('kill -9 of the worker and of an API process mid-stream', async () => {
    await streamFromApi(admin, true);
    const load = new MixedLoad(user).start();
    const doomed = await startApiProcess();
    await Promise.all([0, 1, 2].map((i) => load.chat(SLOW, `doomed ${i}`, doomed.apiUrl)));
    await sleep(600);
    const worker = pidOf('worker-interactive');
    process.kill(worker, 'SIGKILL');
    doomed.child.kill('SIGKILL');
    await restartedAfter('worker-interactive', worker);
    await sleep(2_000);
    await load.stop();
    const settled = await settle(user, load.turns);
    expect(settled.completed).toBe(load.turns.length);
    expectDegradedNotDead(load.outcomes);
    await expectNothingStuck(user);
    record('kill -9 worker + API', load, settled, { kills: 2 });
  }, 120_000);

  it('Postgres stopped for 8 s: 503 while it is away, then everything recovers', async () => {
    await streamFromApi(admin, true);
    const load = new MixedLoad(user).start();
    await sleep(1_500);
    const back = await outage(postgres, async () => {
      await sleep(1_500);
      expect(await health()).toMatchObject({ postgres: 'down', redis: 'up', temporal: 'up' });
      await sleep(6_500);
    });
    const recoverySeconds = await recovery(async () => (await api('GET', '/conversations?limit=1', { token: user.accessToken })).status === 200, back);
    await sleep(1_500);
    await load.stop();
    const settled = await settle(user, load.turns);
    expect(load.outcomes.some((o) => o.status === 503)).toBe(true);
    // The routes that need no database kept working.
    expect(load.outcomes.filter((o) => o.route === 'GET /monitoring/health/live').every((o) => o.status === 200)).toBe(true);
    expectDegradedNotDead(load.outcomes);
    await expectNothingStuck(user);
    expect(recoverySeconds).toBeLessThan(10);
    record('postgres stop 8 s', load, settled, { outages: 1, recoverySeconds });
  }, 180_000);

  it.each([
    ['the API streaming first steps', true],
    ['the provider called from the worker', false],
  ])('Redis restarted under load, %s: the API stays up, no text is lost', async (_label, fromApi) => {
    await streamFromApi(admin, fromApi);
    const apiPid = pidOf('api');
    const load = new MixedLoad(user).start();
    await sleep(1_500);
    const back = await outage(redis, async () => {
      await sleep(1_000);
      expect(await health()).toMatchObject({ postgres: 'up', redis: 'down' });
      await sleep(2_000);
    });
    const recoverySeconds = await recovery(async () => {
      const s = await openSse('/chat/stream', { token: user.accessToken, body: { message: 'probe', model: stubModel('echo') } });
      const events = await s.events;
      if (events[events.length - 1]?.event !== 'done') return false;
      load.turns.push({ turnId: events[0].data.turnId, session: s });
      return true;
    }, back);
    await sleep(1_500);
    await load.stop();
    const settled = await settle(user, load.turns);
    // The process that served the outage is the one still serving: it never died.
    expect(pidOf('api')).toBe(apiPid);
    expectDegradedNotDead(load.outcomes);
    await expectNothingStuck(user);
    expect(recoverySeconds).toBeLessThan(10);
    record(`redis restart (stream from API: ${fromApi})`, load, settled, { outages: 1, recoverySeconds });
  }, 180_000);

  it('an orphan (a process killed between the commit and the start) is settled by the scheduled sweeper within the bound', async () => {
    // What the kill leaves: the turn row and its hold, committed, with no workflow (rows as the API writes them).
    const stores = await openStores();
    try {
      const orphan = await seedTurn(stores.orm, PRICED);
      const turnId = orphan.input.turnId;
      await stores.orm.em.fork().transactional(async (tx) => {
        const budget = await api('PUT', '/billing/budgets', { token: admin, body: { scopeType: 'user', scopeId: orphan.userId, window: 'daily', limitUsd: '5' } });
        expect(budget.status).toBeLessThan(300);
        expect((await reserveBudgets(tx, turnId, [{ type: BudgetScope.User, id: orphan.userId }], '0.25000000')).ok).toBe(true);
      });
      const t0 = Date.now();
      const ended = await until('the sweeper to fail the orphan', async () => {
        const [row] = await sql<{ status: string; error: string; hold: string }>(
          "select t.status, t.error, r.status as hold from chat_turns t join budget_reservations r on r.source_id = t.id::text where t.id = ?",
          [turnId],
        );
        return row.status !== 'running' ? row : undefined;
      }, (TURN_ORPHAN_BOUND_SECONDS + 5) * 1000);
      const seconds = Math.round((Date.now() - t0) / 100) / 10;
      expect(ended).toEqual({ status: 'failed', error: ORPHAN_TURN_PROBLEM.detail, hold: 'refunded' });
      figures.push({ scenario: 'orphan settled by the sweeper', turns: 1, completed: 0, failed: 1, kills: 0, outages: 0, requests: 0, err500: 0, err503: 0, maxMs: 0, recoverySeconds: seconds });
      await sql('delete from users where id = ?', [orphan.userId]);
    } finally {
      await stores.close();
    }
  }, 90_000);

  it('Temporal stopped for 8 s: chat answers 503 fast, REST keeps working, unstarted turns end and release their holds', async () => {
    await streamFromApi(admin, false);
    const load = new MixedLoad(user).start();
    await sleep(1_500);
    const back = await outage(temporal, async () => {
      await sleep(3_000);
      expect(await health()).toMatchObject({ postgres: 'up', redis: 'up', temporal: 'down' });
      // Also with the first step streaming from the API (the start then fails after the turn began).
      await streamFromApi(admin, true);
      await sleep(4_000);
    });
    const recoverySeconds = await recovery(async () => (await api('POST', '/chat', { token: user.accessToken, body: { message: 'probe', model: stubModel('echo') } })).status === 200, back);
    await sleep(1_500);
    await load.stop();
    const settled = await settle(user, load.turns);
    const chatDuringOutage = load.outcomes.filter((o) => o.route === 'POST /chat/stream' && o.status === 503);
    expect(chatDuringOutage.length).toBeGreaterThan(0);
    expect(load.outcomes.filter((o) => o.route === 'GET /conversations').every((o) => o.status === 200)).toBe(true);
    expectDegradedNotDead(load.outcomes);
    await expectNothingStuck(user);
    expect(recoverySeconds).toBeLessThan(15);
    record('temporal stop 8 s', load, settled, { outages: 1, recoverySeconds });
  }, 180_000);
});
