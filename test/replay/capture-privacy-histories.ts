/**
 * Captures the GDPR workflows' histories into test/replay/histories/, for replay.spec.ts.
 * Run on demand, with a stack up and its env exported (like capture-audit-histories.ts):
 *   eval "$(./dev env)" && npx tsx test/replay/capture-privacy-histories.ts
 * It starts a throw-away Temporal server and uses the stack's Postgres and Redis with the stack's keys:
 * a spec user is seeded, exported, then erased (twice: the second run is the no-op). A few spec events are
 * appended to the stack's audit chain and pseudonymised; the rows the script creates are removed.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createAuditRecordActivities } from '../../activities/audit/audit-record.activities';
import { createUserErasureActivities } from '../../activities/privacy/user-erasure.activities';
import { createUserExportActivities } from '../../activities/privacy/user-export.activities';
import { userPseudonym } from '../../shared/audit/audit-pii';
import { RetainedUsageRecord, User, UserErasure } from '../../shared/persistence/entities';
import { turnStreamKey } from '../../shared/streams/turn-events';
import { userErasureWorkflow, userExportWorkflow } from '../../workflows';
import { userErasureWorkflowId } from '../../workflows/user-erasure/user-erasure.contract';
import { USER_EXPORT_PAGE, userExportWorkflowId } from '../../workflows/user-export/user-export.contract';
import { openStores } from '../support/chat-turn-fixtures';
import { tempFileStorage } from '../support/file-storage';
import { createExportRow, seedPrivacyUser, stackKeys } from '../support/privacy-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';
import { saveHistory } from './history-json';

async function save(handle: WorkflowHandle, name: string): Promise<void> {
  await handle.result();
  await saveHistory(name, handle);
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const keys = stackKeys();
  const stores = await openStores();
  const env = await localTemporal();
  const taskQueue = 'replay-capture-privacy';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath,
    activities: {
      ...createUserExportActivities({ orm: stores.orm, storage: tempFileStorage() }),
      ...createUserErasureActivities({ orm: stores.orm, redis: stores.redis, storage: tempFileStorage(), ...keys }),
      ...createAuditRecordActivities({ orm: stores.orm }),
    },
  });
  // Two pages of messages, so the export history holds the page loop.
  const user = await seedPrivacyUser(stores.orm, stores.redis, { tag: 'replay-capture', extraMessages: USER_EXPORT_PAGE + 2 });
  const subject = userPseudonym(keys.pseudonymKey, user.userId);
  try {
    await worker.runUntil(async () => {
      const exportId = await createExportRow(stores.orm, user.userId);
      await save(await env.client.workflow.start(userExportWorkflow, { taskQueue, workflowId: userExportWorkflowId(exportId), args: [{ exportId, userId: user.userId }] }), 'userExportWorkflow-completed');

      const erase = () => env.client.workflow.start(userErasureWorkflow, { taskQueue, workflowId: userErasureWorkflowId(user.userId), args: [{ userId: user.userId, requestedBy: null, requestId: randomUUID() }] });
      await save(await erase(), 'userErasureWorkflow-completed');
      await save(await erase(), 'userErasureWorkflow-already-erased');
    });
  } finally {
    // The erasure removed the user's rows and stream; these remain only if it failed part way.
    await stores.orm.em.fork().nativeDelete(User, { id: user.userId });
    await stores.redis.del(turnStreamKey(user.turnId));
    await stores.orm.em.fork().nativeDelete(RetainedUsageRecord, { subjectPseudonym: subject });
    await stores.orm.em.fork().nativeDelete(UserErasure, { subjectPseudonym: subject });
    await env.teardown();
    await stores.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
