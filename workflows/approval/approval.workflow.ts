import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  uuid4,
} from '@temporalio/workflow';
import type { ApprovalActivities } from '../../activities/approvals/approval.activities';
import type { AuditRecordActivities } from '../../activities/audit/audit-record.activities';
import { SA } from '../../temporal/search-attributes';
import { notifyWorkflowId, type NotificationContent } from '../notify/notify.contract';
import { notifyWorkflow } from '../notify/notify.workflow';
import {
  APPROVAL_CLOSED_ERROR,
  approvalStateQuery,
  approvalWorkflowId,
  DEFAULT_APPROVAL_TIMEOUT,
  decideUpdate,
  durationMs,
  MAX_COMMENT_LENGTH,
  type ApprovalInput,
  type ApprovalOutcome,
  type ApprovalState,
  type DecideInput,
} from './approval.contract';

const { recordApproval, approvalDeciders, completeApproval } = proxyActivities<ApprovalActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const { recordAuditEvent } = proxyActivities<AuditRecordActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * The outcome on the audit trail (approval.approved / rejected by the decider, approval.expired by the
 * system). The event id is the outcome's name, so a retried activity or a reset run records it once.
 * Histories from before this recorded nothing here: behind the `approval-audit` patch.
 */
async function auditOutcome(input: ApprovalInput, s: ApprovalState): Promise<void> {
  if (!patched('approval-audit')) return;
  const decided = s.status === 'approved' || s.status === 'rejected';
  await recordAuditEvent({
    eventId: `approval:${input.requestId}:${s.status}`,
    action: `approval.${s.status}`,
    outcome: s.status,
    resource: { type: 'approval', id: input.requestId },
    actorUserId: decided ? s.decidedBy : null,
    context: {
      workflowId: approvalWorkflowId(input.requestId),
      kind: input.kind,
      requesterId: input.requesterId,
      ...(decided ? { decision: s.decision, decidedBy: s.decidedBy, commented: !!s.comment } : { expiresAt: s.expiresAt }),
    },
    occurredAt: s.decidedAt ?? new Date().toISOString(),
    requestId: input.originRequestId ?? null,
  });
}

function outcomeOf(s: ApprovalState): ApprovalOutcome {
  const { requestId, status, decision, decidedBy, decidedAt, comment } = s;
  return { requestId, status, decision, decidedBy, decidedAt, comment };
}

function rejectDecision(message: string, state?: ApprovalState): never {
  throw ApplicationFailure.create({ type: APPROVAL_CLOSED_ERROR, message, nonRetryable: true, details: state ? [outcomeOf(state)] : [] });
}

/** Notifications go out as notify children that outlive this workflow (an email may retry for a day). */
async function notify(userIds: string[], content: NotificationContent): Promise<void> {
  await Promise.all(
    userIds.map((userId) => {
      const notificationId = uuid4();
      return startChild(notifyWorkflow, {
        workflowId: notifyWorkflowId(notificationId),
        args: [{ notificationId, userId, ...content }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [
          { key: SA.kind, value: 'notification' },
          { key: SA.userId, value: userId },
        ],
      });
    }),
  );
}

/** Waits for a `decide` update or the deadline, reminding the deciders on the configured cadence. */
export async function approvalWorkflow(input: ApprovalInput): Promise<ApprovalOutcome> {
  const deadline = input.expiresAt ? Date.parse(input.expiresAt) : Date.now() + (durationMs(input.timeout ?? DEFAULT_APPROVAL_TIMEOUT) ?? durationMs(DEFAULT_APPROVAL_TIMEOUT)!);
  const intervals = (input.reminders ?? []).map(durationMs).filter((ms): ms is number => ms !== undefined && ms > 0);
  const state: ApprovalState = { requestId: input.requestId, status: 'pending', expiresAt: new Date(deadline).toISOString(), remindersSent: 0 };
  let recorded = false;
  const about = { kind: input.kind, approvalId: input.requestId };
  const link = `/approvals/${input.requestId}`;

  upsertSearchAttributes([
    { key: SA.kind, value: 'approval' },
    { key: SA.status, value: 'pending' },
    { key: SA.userId, value: input.requesterId },
  ]);
  setHandler(approvalStateQuery, () => ({ ...state }));
  setHandler(
    decideUpdate,
    async (d: DecideInput) => {
      // Closed at once, so a concurrent second update fails its validator.
      Object.assign(state, { status: d.decision === 'approve' ? 'approved' : 'rejected', decision: d.decision, decidedBy: d.deciderId, decidedAt: new Date().toISOString(), comment: d.comment });
      await condition(() => recorded);
      await completeApproval(outcomeOf(state));
      await auditOutcome(input, state);
      return outcomeOf(state);
    },
    {
      validator: (d: DecideInput) => {
        if (state.status !== 'pending') rejectDecision(`The approval is already ${state.status}`, state);
        if (Date.now() >= deadline) rejectDecision(`The approval expired at ${state.expiresAt}`, { ...state, status: 'expired' });
        if (d?.decision !== 'approve' && d?.decision !== 'reject') throw ApplicationFailure.nonRetryable('decision must be approve or reject', 'InvalidDecision');
        if (typeof d.deciderId !== 'string' || !d.deciderId) throw ApplicationFailure.nonRetryable('deciderId is required', 'InvalidDecision');
        if (d.comment !== undefined && (typeof d.comment !== 'string' || d.comment.length > MAX_COMMENT_LENGTH)) {
          throw ApplicationFailure.nonRetryable(`comment must be a string of at most ${MAX_COMMENT_LENGTH} characters`, 'InvalidDecision');
        }
      },
    },
  );

  await recordApproval({ ...input, expiresAt: state.expiresAt });
  recorded = true;
  const deciders = await approvalDeciders(input);
  if (state.status === 'pending') {
    await notify(deciders, { category: 'approval', title: `Approval requested: ${input.subject.title}`, body: `A ${input.kind} request waits for your decision until ${state.expiresAt}.`, link, data: about });
  }

  while (state.status === 'pending') {
    const wait = intervals.length ? Math.min(deadline, Date.now() + intervals[Math.min(state.remindersSent, intervals.length - 1)]) - Date.now() : deadline - Date.now();
    // condition() with a timeout of 0 would wait forever: a deadline already reached is handled below.
    if (wait > 0 && (await condition(() => state.status !== 'pending', wait))) break;
    if (Date.now() >= deadline) {
      state.status = 'expired';
      await completeApproval(outcomeOf(state));
      await auditOutcome(input, state);
      await notify([input.requesterId], { category: 'approval', title: `Approval expired: ${input.subject.title}`, body: `Nobody decided your ${input.kind} request before ${state.expiresAt}.`, link, data: { ...about, status: 'expired' } });
      break;
    }
    state.remindersSent++;
    await notify(deciders, { category: 'approval', title: `Reminder: approval requested: ${input.subject.title}`, body: `A ${input.kind} request still waits for your decision until ${state.expiresAt}.`, link, data: { ...about, reminder: state.remindersSent } });
  }

  await condition(allHandlersFinished);
  if (state.status === 'approved' || state.status === 'rejected') {
    const comment = state.comment ? `\n\nComment: ${state.comment}` : '';
    await notify([input.requesterId], {
      category: 'approval',
      title: `${state.status === 'approved' ? 'Approved' : 'Rejected'}: ${input.subject.title}`,
      body: `Your ${input.kind} request was ${state.status}.${comment}`,
      link,
      data: { ...about, status: state.status, decidedBy: state.decidedBy },
    });
  }
  upsertSearchAttributes([{ key: SA.status, value: state.status }]);
  return outcomeOf(state);
}
