import { defineQuery } from '@temporalio/workflow';

/** Contract of the userErasure workflow, shared by the API (start, report) and the worker. */

export interface UserErasureInput {
  userId: string;
  /** The admin's user id, or null when the user erases their own account. */
  requestedBy: string | null;
  requestId?: string;
}

/** What one run removed, per store, with counts. */
export interface UserErasureReport {
  /** The user's pseudonym (HMAC of the id): the only name the report and the trail keep. */
  subject: string;
  status: 'running' | 'completed' | 'failed';
  step: string | null;
  stores: {
    redis?: Record<string, number>;
    audit?: Record<string, number>;
    files?: Record<string, number>;
    postgres?: Record<string, number>;
    search?: { status: string; documents?: number };
  };
  /** Kept for accounting, detached from the person. */
  retained?: Record<string, number>;
  startedAt: string;
  completedAt: string | null;
}

export const USER_ERASURE_WORKFLOW = 'userErasureWorkflow';

export const userErasureReportQuery = defineQuery<UserErasureReport>('userErasureReport');

export function userErasureWorkflowId(userId: string): string {
  return `user-erasure:${userId}`;
}
