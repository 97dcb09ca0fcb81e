import { Injectable } from '@nestjs/common';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import { currentRequestId } from '../../shared/observability/request-context';
import { SA } from '../../temporal/search-attributes';
import { TemporalClient } from '../../temporal/temporal-client.module';
import type { sendEmailWorkflow } from '../../workflows';
import { EmailMessage, SEND_EMAIL_WORKFLOW, sendEmailWorkflowId } from '../../workflows/send-email/send-email.contract';

/** Emails leave through the sendEmail workflow, so a down SMTP server delays them instead of losing them. */
@Injectable()
export class EmailDispatcher {
  constructor(private readonly temporal: TemporalClient) {}

  /** `key` makes the send idempotent (e.g. the one-time token id): the same key never mails twice. */
  async send(message: EmailMessage, key: string, userId?: string): Promise<void> {
    const requestId = currentRequestId();
    await this.temporal.workflow.start<typeof sendEmailWorkflow>(SEND_EMAIL_WORKFLOW, {
      workflowId: sendEmailWorkflowId(message.purpose, key),
      taskQueue: this.temporal.queue('background'),
      args: [{ message, requestId }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: SA.kind, value: `email:${message.purpose}` },
        ...(userId ? [{ key: SA.userId, value: userId }] : []),
        ...(requestId ? [{ key: SA.requestId, value: requestId }] : []),
      ],
      memo: requestId ? { requestId } : undefined,
    });
  }
}
