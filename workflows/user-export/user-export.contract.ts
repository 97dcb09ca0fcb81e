import { defineQuery } from '@temporalio/workflow';

/** Contract of the userExport workflow, shared by the API (start, progress) and the worker. */

/** One JSON file per area in the ZIP, in this order. */
export const USER_EXPORT_AREAS = [
  'profile',
  'notification-preferences',
  'sessions',
  'api-keys',
  'identities',
  'team-memberships',
  'conversations',
  'messages',
  'message-versions',
  'message-reactions',
  'conversation-shares',
  'chat-turns',
  'usage',
  'credit-grants',
  'tool-runs',
  'notifications',
  'approvals',
  'workflow-definitions',
  'workflow-definition-versions',
  'audit-events',
] as const;

export type UserExportArea = (typeof USER_EXPORT_AREAS)[number];

/** Rows per page (one activity call, one stored page). */
export const USER_EXPORT_PAGE = 500;

export interface UserExportInput {
  exportId: string;
  userId: string;
  requestId?: string;
}

export interface UserExportProgress {
  status: 'running' | 'zipping' | 'completed' | 'failed';
  area: UserExportArea | null;
  areasDone: number;
  areasTotal: number;
  items: number;
  /** 0–100. */
  percent: number;
}

export interface UserExportResult {
  exportId: string;
  items: number;
  sizeBytes: number;
}

export const USER_EXPORT_WORKFLOW = 'userExportWorkflow';

export const userExportProgressQuery = defineQuery<UserExportProgress>('userExportProgress');

export function userExportWorkflowId(exportId: string): string {
  return `user-export:${exportId}`;
}
