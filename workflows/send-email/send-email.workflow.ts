import { proxyActivities } from '@temporalio/workflow';
import type { EmailActivities } from '../../activities/notifications/email.activities';
import type { SendEmailInput, SendEmailResult } from './send-email.contract';

// SMTP hiccups are retried for a day; a message the server rejects outright is not retried.
const { sendEmail } = proxyActivities<EmailActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: ['EmailRejectedError'],
  },
  scheduleToCloseTimeout: '1 day',
});

export async function sendEmailWorkflow(input: SendEmailInput): Promise<SendEmailResult> {
  return sendEmail(input);
}
