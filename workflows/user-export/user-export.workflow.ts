import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { UserExportActivities } from '../../activities/privacy/user-export.activities';
import { USER_EXPORT_AREAS, USER_EXPORT_PAGE, type UserExportInput, type UserExportProgress, type UserExportResult, userExportProgressQuery } from './user-export.contract';

// A page is one short query and one stored row.
const { collectUserExportPage, failUserExport } = proxyActivities<UserExportActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

// Zipping streams every page once; it heartbeats per chunk written.
const { buildUserExportZip } = proxyActivities<UserExportActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

/**
 * Collects everything stored about one user, area by area and page by page (keyset pages, so a
 * retried page rewrites itself), then writes the ZIP into the export's chunks. Progress is queryable.
 */
export async function userExportWorkflow(input: UserExportInput): Promise<UserExportResult> {
  const progress: UserExportProgress = { status: 'running', area: null, areasDone: 0, areasTotal: USER_EXPORT_AREAS.length, items: 0, percent: 0 };
  setHandler(userExportProgressQuery, () => ({ ...progress, percent: progress.status === 'completed' ? 100 : Math.floor((progress.areasDone * 95) / progress.areasTotal) }));

  try {
    for (const area of USER_EXPORT_AREAS) {
      progress.area = area;
      let after: string | null = null;
      for (let pageNo = 0; ; pageNo++) {
        const page: { rows: number; last: string | null } = await collectUserExportPage({ exportId: input.exportId, userId: input.userId, area, pageNo, after });
        progress.items += page.rows;
        after = page.last;
        if (page.rows < USER_EXPORT_PAGE) break;
      }
      progress.areasDone++;
    }
    progress.status = 'zipping';
    progress.area = null;
    const zip = await buildUserExportZip({ exportId: input.exportId, items: progress.items });
    progress.status = 'completed';
    return { exportId: input.exportId, items: progress.items, sizeBytes: zip.sizeBytes };
  } catch (err) {
    progress.status = 'failed';
    await failUserExport({ exportId: input.exportId, error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}
