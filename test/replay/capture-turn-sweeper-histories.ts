/**
 * Captures the turnSweeper workflow's histories into test/replay/histories/, for replay.spec.ts.
 * Run on demand, with a stack up and its env exported (like capture-histories.ts):
 *   npx tsx test/replay/capture-turn-sweeper-histories.ts
 * It starts a throw-away Temporal server and sweeps only the user it seeds (a running turn with no
 * workflow: the orphan a crash between commit and start leaves), so the stack's own turns are untouched.
 */
import { randomUUID } from 'node:crypto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createTurnSweeperActivities, temporalWorkflowState } from '../../activities/chat/turn-sweeper.activities';
import { User } from '../../shared/persistence/entities';
import { turnSweeperWorkflow } from '../../workflows';
import { openStores, seedTurn } from '../support/chat-turn-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';
import { saveHistory } from './history-json';

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const { orm, redis, close } = await openStores();
  const env = await localTemporal();
  const users: string[] = [];
  try {
    const taskQueue = 'replay-capture-turn-sweeper';
    const activities = createTurnSweeperActivities({ orm, redis, streamRetentionSeconds: 600, workflowState: temporalWorkflowState(env.client) });
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities });
    await worker.runUntil(async () => {
      const orphan = await seedTurn(orm, 'openai-compatible/echo');
      users.push(orphan.userId);
      const settled = await env.client.workflow.start(turnSweeperWorkflow, { taskQueue, workflowId: `turn-sweeper-replay-${randomUUID()}`, args: [{ userId: orphan.userId, graceSeconds: 0 }] });
      const result = await settled.result();
      if (result.failed !== 1) throw new Error(`expected 1 orphan failed, got ${JSON.stringify(result)}`);
      await saveHistory('turnSweeperWorkflow-settled', settled);
      const idle = await env.client.workflow.start(turnSweeperWorkflow, { taskQueue, workflowId: `turn-sweeper-replay-${randomUUID()}`, args: [{ userId: orphan.userId, graceSeconds: 0 }] });
      if ((await idle.result()).checked !== 0) throw new Error('expected nothing left to sweep');
      await saveHistory('turnSweeperWorkflow-idle', idle);
    });
  } finally {
    await env.teardown();
    if (users.length) await orm.em.fork().nativeDelete(User, { id: { $in: users } });
    await close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
