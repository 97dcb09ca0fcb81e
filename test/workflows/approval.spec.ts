import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { createTransport } from 'nodemailer';
import { createApprovalActivities } from '../../activities/approvals/approval.activities';
import { createAuditRecordActivities } from '../../activities/audit/audit-record.activities';
import { createEmailActivities } from '../../activities/notifications/email.activities';
import { createNotificationActivities } from '../../activities/notifications/notification.activities';
import { Approval, AuditEvent, Notification, User } from '../../shared/persistence/entities';
import { approvalWorkflow } from '../../workflows';
import {
  APPROVAL_CLOSED_ERROR,
  approvalStateQuery,
  approvalWorkflowId,
  ApprovalInput,
  ApprovalOutcome,
  decideUpdate,
} from '../../workflows/approval/approval.contract';
import { SA } from '../../temporal/search-attributes';
import { openStores } from '../support/chat-turn-fixtures';
import { timeSkippingTemporal, workflowsPath } from '../support/temporal-env';

// The time-skipping server (days pass in milliseconds), real Postgres and Redis of the stack.
describe('approval workflow', () => {
  const taskQueue = `test-approval-${randomUUID()}`;
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let stores: Awaited<ReturnType<typeof openStores>>;
  const users: string[] = [];
  /** Holds completeApproval for a request until released: keeps a closing workflow open for a late update. */
  const gates = new Map<string, Promise<void>>();
  let bundle: { code: string } | undefined;

  beforeAll(async () => {
    stores = await openStores();
    bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  });

  afterAll(async () => {
    if (users.length) await stores.orm.em.fork().nativeDelete(User, { id: { $in: users } });
    await stores?.close();
  });

  // A server per test: once a child outlives its abandoned parent, the time-skipping server no longer
  // skips time (the dev server has no such problem), and every test here ends with such a child.
  beforeEach(async () => {
    env = await timeSkippingTemporal();
    // The time-skipping server starts without the custom attributes the workflows upsert.
    const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries([SA.kind, SA.status, SA.userId].map((k) => [k.name, keyword])),
    });
    const approvals = createApprovalActivities({ orm: stores.orm });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: bundle ? undefined : workflowsPath,
      workflowBundle: bundle,
      activities: {
        ...createEmailActivities({ transport: createTransport(process.env.SMTP_URL ?? 'smtp://127.0.0.1:1025'), from: 'gateway@test.local' }),
        ...createNotificationActivities({ orm: stores.orm, redis: stores.redis }),
        ...approvals,
        ...createAuditRecordActivities({ orm: stores.orm }),
        async completeApproval(outcome: ApprovalOutcome) {
          await gates.get(outcome.requestId);
          return approvals.completeApproval(outcome);
        },
      },
    });
    running = worker.run();
  });

  afterEach(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  async function user(tag: string): Promise<string> {
    const em = stores.orm.em.fork();
    const u = em.create(User, { email: `${tag}-${randomUUID()}@example.test`, name: tag });
    await em.flush();
    users.push(u.id);
    return u.id;
  }

  async function request(extra: Partial<ApprovalInput> = {}) {
    const input: ApprovalInput = {
      requestId: randomUUID(),
      kind: 'tool-run',
      subject: { title: 'Run the deploy tool', details: { tool: 'deploy' } },
      requesterId: await user('requester'),
      deciders: { userIds: [await user('decider')] },
      ...extra,
    };
    const handle = await env.client.workflow.start(approvalWorkflow, { taskQueue, workflowId: approvalWorkflowId(input.requestId), args: [input] });
    return { input, handle, decider: input.deciders.userIds![0] };
  }

  /** The notify children outlive the approval: poll until their rows are there. */
  async function inbox(userId: string, count: number): Promise<Notification[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const rows = await stores.orm.em.fork().find(Notification, { user: userId }, { orderBy: { createdAt: 'asc' } });
      if (rows.length >= count || Date.now() > deadline) return rows;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const row = (id: string) => stores.orm.em.fork().findOneOrFail(Approval, id);
  const auditOf = (requestId: string) => stores.orm.em.fork().find(AuditEvent, { resourceType: 'approval', resourceId: requestId }, { orderBy: { seq: 'asc' } });

  async function closedReason(p: Promise<unknown>): Promise<string> {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (err as WorkflowUpdateFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe(APPROVAL_CLOSED_ERROR);
    return (cause as ApplicationFailure).message;
  }

  it('expires after the default 3 days, reminding every 24h, and tells the requester', async () => {
    const { input, handle, decider } = await request({ reminders: ['P1D'] });
    const outcome = await handle.result();
    expect(outcome).toEqual({ requestId: input.requestId, status: 'expired' });

    const stored = await row(input.requestId);
    expect(stored.status).toBe('expired');
    expect(stored.expiresAt.getTime() - stored.createdAt.getTime()).toBeGreaterThanOrEqual(3 * 24 * 3600_000 - 60_000);

    // One request, then reminders at 24h and 48h; at 72h it expires instead of reminding.
    const toDecider = await inbox(decider, 3);
    expect(toDecider.map((n) => n.title).sort()).toEqual([
      'Approval requested: Run the deploy tool',
      'Reminder: approval requested: Run the deploy tool',
      'Reminder: approval requested: Run the deploy tool',
    ]);
    expect(toDecider.map((n) => n.data?.reminder).filter(Boolean).sort()).toEqual([1, 2]);
    const toRequester = await inbox(input.requesterId, 1);
    expect(toRequester.map((n) => [n.category, n.title, n.link])).toEqual([['approval', 'Approval expired: Run the deploy tool', `/approvals/${input.requestId}`]]);
    expect((await handle.query(approvalStateQuery)).remindersSent).toBe(2);

    // The workflow is closed: a late decision is refused by the server and changes nothing.
    await expect(handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', deciderId: decider }] })).rejects.toThrow();
    expect((await row(input.requestId)).status).toBe('expired');

    // The outcome is on the audit trail once, by the system.
    const audit = await auditOf(input.requestId);
    expect(audit.map((e) => [e.action, e.outcome, e.actorType, e.actorUserId])).toEqual([['approval.expired', 'expired', 'system', null]]);
    expect(audit[0].context).toMatchObject({ workflowId: approvalWorkflowId(input.requestId), kind: 'tool-run', requesterId: input.requesterId });
  });

  it('follows a reminder schedule whose last interval repeats', async () => {
    const { handle, decider } = await request({ timeout: 'P2D', reminders: ['PT1H', 'PT12H'] });
    expect((await handle.result()).status).toBe('expired');
    // 1h, 13h, 25h, 37h; the next (49h) is past the 48h deadline.
    expect((await handle.query(approvalStateQuery)).remindersSent).toBe(4);
    expect((await inbox(decider, 5)).filter((n) => n.title.startsWith('Reminder')).length).toBe(4);
  });

  it('records a decision made through the update and notifies the requester', async () => {
    const { input, handle, decider } = await request({ reminders: ['P1D'] });
    const outcome = await handle.executeUpdate(decideUpdate, { args: [{ decision: 'reject', deciderId: decider, comment: 'not on a Friday' }] });
    expect(outcome).toMatchObject({ requestId: input.requestId, status: 'rejected', decision: 'reject', decidedBy: decider, comment: 'not on a Friday' });
    // The update returns once the row is written: the API reads its own write.
    const stored = await row(input.requestId);
    expect({ status: stored.status, decision: stored.decision, decidedBy: stored.decidedBy, comment: stored.comment }).toEqual({ status: 'rejected', decision: 'reject', decidedBy: decider, comment: 'not on a Friday' });
    expect(stored.decidedAt?.toISOString()).toBe(outcome.decidedAt);
    expect(await handle.result()).toEqual(outcome);
    const toRequester = await inbox(input.requesterId, 1);
    expect(toRequester.map((n) => n.title)).toEqual(['Rejected: Run the deploy tool']);
    expect(toRequester[0].body).toContain('not on a Friday');

    // The update returns once the outcome is audited too: by the decider, at the decision's time.
    const audit = await auditOf(input.requestId);
    expect(audit.map((e) => [e.action, e.outcome, e.actorType, e.actorUserId])).toEqual([['approval.rejected', 'rejected', 'user', decider]]);
    expect(audit[0].occurredAt.toISOString()).toBe(outcome.decidedAt);
    expect(audit[0].context).toMatchObject({ decision: 'reject', decidedBy: decider, commented: true });
  });

  it('rejects a second decision in the validator, with the current state', async () => {
    const { input, handle, decider } = await request();
    let release!: () => void;
    gates.set(input.requestId, new Promise<void>((r) => (release = r)));
    const first = await handle.startUpdate(decideUpdate, { args: [{ decision: 'approve', deciderId: decider }], waitForStage: WorkflowUpdateStage.ACCEPTED });
    const reason = await closedReason(handle.executeUpdate(decideUpdate, { args: [{ decision: 'reject', deciderId: decider }] }));
    expect(reason).toBe('The approval is already approved');
    release();
    expect(await first.result()).toMatchObject({ status: 'approved', decidedBy: decider });
    expect((await handle.result()).status).toBe('approved');
    expect((await row(input.requestId)).decision).toBe('approve');
  });

  it('rejects a decision after expiry in the validator while the expiry is being recorded', async () => {
    const { input, handle, decider } = await request({ timeout: 'PT1H' });
    let release!: () => void;
    gates.set(input.requestId, new Promise<void>((r) => (release = r)));
    // Skip an hour at a time until the deadline timer has fired (it is set once the deciders are notified).
    while ((await handle.query(approvalStateQuery)).status !== 'expired') await env.sleep('1 hour');
    const reason = await closedReason(handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', deciderId: decider }] }));
    expect(reason).toBe('The approval is already expired');
    release();
    expect((await handle.result()).status).toBe('expired');
    expect((await row(input.requestId)).status).toBe('expired');
  });

  it('refuses a malformed decision without closing the request', async () => {
    const { handle, decider } = await request();
    const err = await handle.executeUpdate(decideUpdate, { args: [{ decision: 'maybe' as 'approve', deciderId: decider }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((err as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'InvalidDecision', message: 'decision must be approve or reject' });
    expect((await handle.query(approvalStateQuery)).status).toBe('pending');
    await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', deciderId: decider }] });
    expect((await handle.result()).status).toBe('approved');
  });
});
