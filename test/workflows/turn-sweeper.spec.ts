import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type Redis from 'ioredis';
import { createTurnSweeperActivities, temporalWorkflowState } from '../../activities/chat/turn-sweeper.activities';
import { reserveBudgets } from '../../shared/billing/budget-ledger';
import { Budget, BudgetScope, BudgetWindow, User } from '../../shared/persistence/entities';
import { turnStreamKey } from '../../shared/streams/turn-events';
import { chatTurnWorkflow, turnSweeperWorkflow } from '../../workflows';
import { chatTurnWorkflowId } from '../../workflows/chat-turn/chat-turn.contract';
import { ORPHAN_TURN_PROBLEM, type TurnSweepInput } from '../../workflows/turn-sweeper/turn-sweeper.contract';
import { openStores, seedTurn, storedTurn, turnEvents } from '../support/chat-turn-fixtures';
import { sql } from '../support/db';
import { localTemporal, workflowsPath } from '../support/temporal-env';

// What a process killed between the turn's commit and its workflow start leaves: a running turn and an
// open budget hold with no workflow. Real Temporal, the stack's real Postgres and Redis.
describe('turnSweeper workflow', () => {
  const taskQueue = `test-turn-sweeper-${randomUUID()}`;
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let orm: MikroORM;
  let redis: Redis;
  let closeStores: () => Promise<void>;
  const users: string[] = [];

  beforeAll(async () => {
    ({ orm, redis, close: closeStores } = await openStores());
    env = await localTemporal();
    const activities = createTurnSweeperActivities({ orm, redis, streamRetentionSeconds: 600, workflowState: temporalWorkflowState(env.client) });
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    if (users.length) await orm.em.fork().nativeDelete(User, { id: { $in: users } });
    await closeStores?.();
  });

  /** A turn stored with a budget hold of 0.5 USD, as the API commits it before starting the workflow. */
  async function storedWithHold() {
    const seeded = await seedTurn(orm, 'openai-compatible/echo');
    users.push(seeded.userId);
    const em = orm.em.fork();
    const budget = em.create(Budget, { scopeType: BudgetScope.User, scopeId: seeded.userId, window: BudgetWindow.Monthly, limitUsd: '10' });
    await em.flush();
    await em.transactional(async (tx) => expect((await reserveBudgets(tx, seeded.input.turnId, [{ type: BudgetScope.User, id: seeded.userId }], '0.50000000')).ok).toBe(true));
    await redis.xadd(turnStreamKey(seeded.input.turnId), '*', 't', 'turn', 'd', JSON.stringify({ turnId: seeded.input.turnId }));
    return { ...seeded, budgetId: budget.id };
  }

  const sweep = (input: TurnSweepInput) => env.client.workflow.execute(turnSweeperWorkflow, { taskQueue, workflowId: `turn-sweeper-spec-${randomUUID()}`, args: [input] });

  async function hold(turnId: string, budgetId: string) {
    const [r] = await sql<{ status: string }>('select status from budget_reservations where source_id = ?', [turnId]);
    const [p] = await sql<{ reserved_usd: string }>('select reserved_usd from budget_periods where budget_id = ?', [budgetId]);
    return { status: r.status, reservedUsd: p.reserved_usd };
  }

  it('fails a turn whose workflow never started, refunds its hold and ends its stream, once', async () => {
    const orphan = await storedWithHold();
    const turnId = orphan.input.turnId;
    expect(await hold(turnId, orphan.budgetId)).toEqual({ status: 'reserved', reservedUsd: '0.50000000' });

    // Within the grace period the turn may still be starting: left alone.
    expect(await sweep({ userId: orphan.userId })).toEqual({ checked: 0, failed: 0, released: 0 });
    expect((await storedTurn(orm, turnId)).turn.status).toBe('running');

    expect(await sweep({ userId: orphan.userId, graceSeconds: 0 })).toEqual({ checked: 1, failed: 1, released: 0 });
    const { turn, usage } = await storedTurn(orm, turnId);
    expect(turn.status).toBe('failed');
    expect(turn.error).toBe(ORPHAN_TURN_PROBLEM.detail);
    expect(usage).toHaveLength(0);
    expect(await hold(turnId, orphan.budgetId)).toEqual({ status: 'refunded', reservedUsd: '0.00000000' });
    const events = await turnEvents(redis, turnId);
    expect(events[events.length - 1]).toEqual({ type: 'error', data: ORPHAN_TURN_PROBLEM });

    // A second sweep finds nothing to do.
    expect(await sweep({ userId: orphan.userId, graceSeconds: 0 })).toEqual({ checked: 0, failed: 0, released: 0 });
  });

  it('leaves a turn whose workflow is running', async () => {
    const live = await storedWithHold();
    const turnId = live.input.turnId;
    // Started on a queue no worker polls: it stays running.
    const handle = await env.client.workflow.start(chatTurnWorkflow, { taskQueue: `nobody-${randomUUID()}`, workflowId: chatTurnWorkflowId(turnId), args: [live.input] });
    try {
      expect(await sweep({ userId: live.userId, graceSeconds: 0 })).toEqual({ checked: 1, failed: 0, released: 0 });
      expect((await storedTurn(orm, turnId)).turn.status).toBe('running');
      expect(await hold(turnId, live.budgetId)).toEqual({ status: 'reserved', reservedUsd: '0.50000000' });
    } finally {
      await handle.terminate();
    }
    // Terminated without recording the turn: now it is an orphan.
    expect(await sweep({ userId: live.userId, graceSeconds: 0 })).toEqual({ checked: 1, failed: 1, released: 0 });
    expect(await hold(turnId, live.budgetId)).toEqual({ status: 'refunded', reservedUsd: '0.00000000' });
  });

  it('releases a hold its ended turn left open', async () => {
    const ended = await storedWithHold();
    const turnId = ended.input.turnId;
    await sql("update chat_turns set status = 'failed', completed_at = now() where id = ?", [turnId]);
    expect(await sweep({ userId: ended.userId, graceSeconds: 0 })).toEqual({ checked: 1, failed: 0, released: 1 });
    expect(await hold(turnId, ended.budgetId)).toEqual({ status: 'refunded', reservedUsd: '0.00000000' });
  });
});
