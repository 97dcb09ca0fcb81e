import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Transporter } from 'nodemailer';
import type { SendEmailInput, SendEmailResult } from '../../workflows/send-email/send-email.contract';

export interface EmailActivityDeps {
  transport: Pick<Transporter, 'sendMail'>;
  from: string;
}

/** SMTP permanent failures (5xx) are final; everything else is retried by the workflow. */
function isPermanent(err: unknown): boolean {
  const code = (err as { responseCode?: number }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

export function createEmailActivities(deps: EmailActivityDeps) {
  return {
    async sendEmail({ message, requestId }: SendEmailInput): Promise<SendEmailResult> {
      const { workflowExecution, activityId } = Context.current().info;
      // The workflow id as Message-ID makes a retried send recognisable as the same message.
      const messageId = `<${(workflowExecution?.workflowId ?? activityId).replace(/[^A-Za-z0-9.-]/g, '.')}@gateway>`;
      try {
        const info = await deps.transport.sendMail({
          from: deps.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          messageId,
          headers: requestId ? { 'X-Request-Id': requestId } : undefined,
        });
        Context.current().log.info('email sent', { purpose: message.purpose, requestId, messageId: info.messageId });
        return { messageId: info.messageId ?? messageId };
      } catch (err) {
        if (isPermanent(err)) {
          throw ApplicationFailure.nonRetryable((err as Error).message, 'EmailRejectedError');
        }
        throw err;
      }
    },
  };
}

export type EmailActivities = ReturnType<typeof createEmailActivities>;
