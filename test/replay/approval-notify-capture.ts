/**
 * Captures histories of the approval and notify workflows into test/replay/histories/, for replay.spec.ts.
 * Run on demand, with a stack up and its env exported (README, "Replay histories"):
 *   npx tsx test/replay/approval-notify-capture.ts
 * It starts a throw-away Temporal dev server and uses the stack's Postgres, Redis and SMTP sink. Deadlines
 * and reminders are seconds here (the API enforces its minimums, the workflow does not).
 */
import { randomUUID } from 'node:crypto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createTransport } from 'nodemailer';
import { createApprovalActivities } from '../../activities/approvals/approval.activities';
import { createEmailActivities } from '../../activities/notifications/email.activities';
import { createNotificationActivities } from '../../activities/notifications/notification.activities';
import { NotificationPreference, User } from '../../shared/persistence/entities';
import { approvalWorkflow, notifyWorkflow } from '../../workflows';
import { approvalStateQuery, approvalWorkflowId, decideUpdate, type ApprovalInput } from '../../workflows/approval/approval.contract';
import { notifyWorkflowId } from '../../workflows/notify/notify.contract';
import { openStores } from '../support/chat-turn-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';
import { saveHistory } from './history-json';


async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stores = await openStores();
  const env = await localTemporal();
  const taskQueue = 'replay-capture-approvals';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath,
    activities: {
      ...createEmailActivities({ transport: createTransport(process.env.SMTP_URL ?? 'smtp://127.0.0.1:1025'), from: 'gateway@replay.local' }),
      ...createNotificationActivities({ orm: stores.orm, redis: stores.redis }),
      ...createApprovalActivities({ orm: stores.orm }),
    },
  });
  const users: string[] = [];
  const user = async (tag: string, emailOn = false) => {
    const em = stores.orm.em.fork();
    const u = em.create(User, { email: `replay-${tag}-${randomUUID()}@example.test`, name: tag });
    if (emailOn) em.create(NotificationPreference, { user: u, category: 'general', inApp: true, email: true });
    await em.flush();
    users.push(u.id);
    return u.id;
  };

  try {
    await worker.runUntil(async () => {
      const { client } = env;
      const approval = async (extra: Partial<ApprovalInput>) => {
        const input: ApprovalInput = {
          requestId: randomUUID(),
          kind: 'tool-run',
          subject: { title: 'Replay capture', details: { tool: 'deploy' } },
          requesterId: await user('requester'),
          deciders: { userIds: [await user('decider')] },
          ...extra,
        };
        const handle = await client.workflow.start(approvalWorkflow, { taskQueue, workflowId: approvalWorkflowId(input.requestId), args: [input] });
        return { input, handle };
      };

      // One reminder, then a decision through the update.
      const decided = await approval({ timeout: 'PT1M', reminders: ['PT1S'] });
      while ((await decided.handle.query(approvalStateQuery)).remindersSent < 1) await new Promise((r) => setTimeout(r, 100));
      await decided.handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', deciderId: decided.input.deciders.userIds![0], comment: 'captured' }] });
      await decided.handle.result();
      await saveHistory('approvalWorkflow-approved', decided.handle);

      // Two reminders, then the deadline.
      const expired = await approval({ timeout: 'PT3S', reminders: ['PT1S'] });
      await expired.handle.result();
      await saveHistory('approvalWorkflow-expired', expired.handle);

      const notify = async (userId: string) => {
        const notificationId = randomUUID();
        const handle = await client.workflow.start(notifyWorkflow, {
          taskQueue,
          workflowId: notifyWorkflowId(notificationId),
          args: [{ notificationId, userId, category: 'general', title: 'Replay', body: 'captured', link: '/replay' }],
        });
        await handle.result();
        return handle;
      };
      await saveHistory('notifyWorkflow-delivered', await notify(await user('recipient', true)));
      await saveHistory('notifyWorkflow-skipped', await notify(randomUUID()));
    });
  } finally {
    if (users.length) await stores.orm.em.fork().nativeDelete(User, { id: { $in: users } });
    await env.teardown();
    await stores.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
