import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { NotificationActivities } from '../../activities/notifications/notification.activities';
import type { EmailActivities } from '../../activities/notifications/email.activities';
import { SA } from '../../temporal/search-attributes';
import type { NotifyInput, NotifyResult } from './notify.contract';

// Store and publish are quick database/Redis writes; both are idempotent on the notification id.
const { notifyTarget, storeNotification, publishNotification } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

// Same budget as the sendEmail workflow: SMTP hiccups are retried for a day, a 5xx is final.
const { sendEmail } = proxyActivities<EmailActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes: ['EmailRejectedError'] },
});

export async function notifyWorkflow(input: NotifyInput): Promise<NotifyResult> {
  const target = await notifyTarget({ userId: input.userId, category: input.category });
  let stored = false;
  if (target?.inApp) {
    const event = await storeNotification(input);
    await publishNotification({ userId: input.userId, event });
    stored = true;
  }
  const emailed = !!target?.emailOn;
  if (target && emailed) {
    const text = input.link ? `${input.body}\n\n${input.link}` : input.body;
    await sendEmail({ message: { to: target.email, subject: input.title, text, purpose: `notification-${input.category}` }, requestId: input.requestId });
  }
  upsertSearchAttributes([{ key: SA.status, value: target ? 'delivered' : 'skipped' }]);
  return { notificationId: input.notificationId, stored, emailed };
}
