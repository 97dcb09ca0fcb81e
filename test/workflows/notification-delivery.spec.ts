import { randomUUID } from 'node:crypto';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import Redis from 'ioredis';
import { Worker } from '@temporalio/worker';
import { createTransport } from 'nodemailer';
import { createEmailActivities } from '../../activities/notifications/email.activities';
import { createNotificationActivities } from '../../activities/notifications/notification.activities';
import { Notification, NotificationPreference, User } from '../../shared/persistence/entities';
import { notifyWorkflow } from '../../workflows';
import { notificationsChannel, notifyWorkflowId, NotifyInput } from '../../workflows/notify/notify.contract';
import { openStores } from '../support/chat-turn-fixtures';
import { waitForEmail } from '../support/mailbox';
import { stack } from '../support/stack';
import { localTemporal, workflowsPath } from '../support/temporal-env';

// Real Temporal (local dev server), the stack's Postgres, Redis and SMTP sink.
describe('notify workflow', () => {
  const taskQueue = `test-notify-${randomUUID()}`;
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let stores: Awaited<ReturnType<typeof openStores>>;
  const users: string[] = [];

  beforeAll(async () => {
    stores = await openStores();
    env = await localTemporal();
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath,
      activities: {
        ...createEmailActivities({ transport: createTransport(process.env.SMTP_URL ?? 'smtp://127.0.0.1:1025'), from: 'gateway@test.local' }),
        ...createNotificationActivities({ orm: stores.orm, redis: stores.redis }),
      },
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    if (users.length) await stores.orm.em.fork().nativeDelete(User, { id: { $in: users } });
    await stores?.close();
  });

  async function user(prefs: { inApp: boolean; email: boolean }[] = []) {
    const em = stores.orm.em.fork();
    const u = em.create(User, { email: `notify-${randomUUID()}@example.test`, name: 'notify spec' });
    for (const p of prefs) em.create(NotificationPreference, { user: u, category: 'general', ...p });
    await em.flush();
    users.push(u.id);
    return u;
  }

  const input = (userId: string): NotifyInput => ({ notificationId: randomUUID(), userId, category: 'general', title: `Spec ${randomUUID().slice(0, 6)}`, body: 'body text', link: '/x', data: { n: 1 } });
  const run = (i: NotifyInput) =>
    env.client.workflow.execute(notifyWorkflow, { taskQueue, workflowId: notifyWorkflowId(i.notificationId), args: [i], workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE });

  it('stores the row, publishes it on the user channel and mails it when the preference says so', async () => {
    const u = await user([{ inApp: true, email: true }]);
    const sub = new Redis(stack.redisUrl);
    const events: string[] = [];
    await sub.subscribe(notificationsChannel(u.id));
    sub.on('message', (_c, m) => events.push(m));
    try {
      const i = input(u.id);
      expect(await run(i)).toEqual({ notificationId: i.notificationId, stored: true, emailed: true });
      const row = await stores.orm.em.fork().findOneOrFail(Notification, i.notificationId);
      expect({ title: row.title, link: row.link, data: row.data, readAt: row.readAt }).toEqual({ title: i.title, link: '/x', data: { n: 1 }, readAt: null });
      const mail = await waitForEmail(u.email, (m) => m.subject === i.title);
      expect(mail.text).toContain('body text');
      expect(mail.headers['message-id']).toContain(`notify.${i.notificationId}@gateway`);
      while (!events.length) await new Promise((r) => setTimeout(r, 50));
      expect(JSON.parse(events[0])).toMatchObject({ type: 'notification', notification: { id: i.notificationId, title: i.title } });
    } finally {
      sub.disconnect();
    }
  });

  it('is idempotent on the notification id: a re-run keeps one row with its first time', async () => {
    const u = await user();
    const i = input(u.id);
    await run(i);
    const first = await stores.orm.em.fork().findOneOrFail(Notification, i.notificationId);
    expect(await run({ ...i, title: 'changed' })).toMatchObject({ stored: true, emailed: false });
    const rows = await stores.orm.em.fork().find(Notification, { user: u.id });
    expect(rows.map((r) => [r.id, r.title, r.createdAt.toISOString()])).toEqual([[i.notificationId, i.title, first.createdAt.toISOString()]]);
  });

  it('stores nothing when in-app is off for the category, and skips a user who is gone', async () => {
    const u = await user([{ inApp: false, email: false }]);
    const i = input(u.id);
    expect(await run(i)).toEqual({ notificationId: i.notificationId, stored: false, emailed: false });
    expect(await stores.orm.em.fork().count(Notification, { user: u.id })).toBe(0);
    expect(await run(input(randomUUID()))).toMatchObject({ stored: false, emailed: false });
  });
});
