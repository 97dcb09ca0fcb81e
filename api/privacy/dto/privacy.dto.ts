import type { UserErasureReport } from '../../../workflows/user-erasure/user-erasure.contract';

export class UserExportDto {
  id: string;
  workflowId: string;
  status: 'running' | 'zipping' | 'completed' | 'failed';
  /** 0–100. */
  percent: number;
  /** Records collected so far. */
  items: number;
  sizeBytes: number;
  createdAt: string;
  completedAt: string | null;
  /** After this the archive is gone (404). */
  expiresAt: string;
  error: string | null;
  /** Present once completed. */
  downloadUrl?: string;
}

export class UserErasureDto {
  /** The pseudonym the erased user is known by from now on. */
  subject: string;
  status: 'running' | 'completed' | 'failed';
  /** What was removed, per store, with counts (partial while running). */
  report: UserErasureReport | null;
  error: string | null;
}
