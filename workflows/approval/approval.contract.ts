import { defineQuery, defineUpdate } from '@temporalio/workflow';

/** Contract of the approval workflow: started by the API (ApprovalsService) or as a child of any workflow. */

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired';
export type ApprovalDecision = 'approve' | 'reject';

export interface ApprovalSubject {
  title: string;
  details?: unknown;
}

/** Who may decide: anyone matching a role or an id. */
export interface ApprovalDeciders {
  roles?: string[];
  userIds?: string[];
}

export interface ApprovalInput {
  requestId: string;
  /** What kind of thing waits (tool-run, workflow-step, …). */
  kind: string;
  subject: ApprovalSubject;
  requesterId: string;
  deciders: ApprovalDeciders;
  /** The requester may decide their own request only when this is true. */
  allowSelfApproval?: boolean;
  /** ISO date-time; wins over `timeout`. */
  expiresAt?: string;
  /** ISO 8601 duration from the start; default P3D. */
  timeout?: string;
  /** ISO 8601 durations between reminders to the deciders; the last one repeats (['P1D'] = every day). */
  reminders?: string[];
  /** The HTTP request that asked for it, for logs. */
  originRequestId?: string;
}

export interface DecideInput {
  decision: ApprovalDecision;
  /** Authorised by the caller (the API checks roles and ids); recorded as decidedBy. */
  deciderId: string;
  comment?: string;
}

export interface ApprovalOutcome {
  requestId: string;
  status: ApprovalStatus;
  decision?: ApprovalDecision;
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
}

export interface ApprovalState extends ApprovalOutcome {
  expiresAt: string;
  remindersSent: number;
}

/** Failure type of a rejected `decide` (already decided, expired): the API answers 409. */
export const APPROVAL_CLOSED_ERROR = 'ApprovalClosed';
export const MAX_COMMENT_LENGTH = 2000;
export const DEFAULT_APPROVAL_TIMEOUT = 'P3D';

/** Validated synchronously: a second decision or one after expiry is rejected with the reason. */
export const decideUpdate = defineUpdate<ApprovalOutcome, [DecideInput]>('decide');
export const approvalStateQuery = defineQuery<ApprovalState>('state');

export const APPROVAL_WORKFLOW = 'approvalWorkflow';

export function approvalWorkflowId(requestId: string): string {
  return `approval:${requestId}`;
}

const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** ISO 8601 duration (weeks, days, hours, minutes, seconds) in ms; undefined when it is not one. */
export function durationMs(value: string): number | undefined {
  const m = DURATION.exec(value);
  if (!m || value === 'P' || value.endsWith('T')) return undefined;
  const [w, d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0));
  return ((((w * 7 + d) * 24 + h) * 60 + min) * 60 + s) * 1000;
}
