import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createTransport } from 'nodemailer';
import { createEmailActivities } from '../../activities/notifications/email.activities';
import { sendEmailWorkflow } from '../../workflows';
import { sendEmailWorkflowId } from '../../workflows/send-email/send-email.contract';
import { waitForEmail } from '../support/mailbox';
import { localTemporal, workflowsPath } from '../support/temporal-env';

// Real Temporal (local CLI dev server) and real SMTP (the stack's sink).
describe('sendEmail workflow', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `test-email-${randomUUID()}`;

  beforeAll(async () => {
    env = await localTemporal();
    const smtpUrl = process.env.SMTP_URL ?? 'smtp://127.0.0.1:1025';
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath,
      activities: createEmailActivities({ transport: createTransport(smtpUrl), from: 'gateway@test.local' }),
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  it('delivers the message over SMTP and carries the request id', async () => {
    const to = `wf-${randomUUID()}@example.test`;
    const result = await env.client.workflow.execute(sendEmailWorkflow, {
      taskQueue,
      workflowId: sendEmailWorkflowId('test', randomUUID()),
      args: [{ message: { to, subject: 'Hello', text: 'token: abc123', purpose: 'test' }, requestId: 'req-42' }],
    });
    expect(result.messageId).toMatch(/@gateway>$/);
    const mail = await waitForEmail(to);
    expect(mail.subject).toBe('Hello');
    expect(mail.text.trim()).toBe('token: abc123');
    expect(mail.headers['x-request-id']).toBe('req-42');
  });

  it('refuses a second start with the same business id', async () => {
    const workflowId = sendEmailWorkflowId('test', randomUUID());
    const args: Parameters<typeof sendEmailWorkflow> = [{ message: { to: 'x@example.test', subject: 's', text: 't', purpose: 'test' } }];
    await env.client.workflow.start(sendEmailWorkflow, { taskQueue, workflowId, args });
    await expect(env.client.workflow.start(sendEmailWorkflow, { taskQueue, workflowId, args })).rejects.toThrow(/already started/i);
  });
});
