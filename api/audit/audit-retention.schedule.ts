import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { TemporalClient } from '../../temporal/temporal-client.module';
import { AUDIT_RETENTION_SCHEDULE_ID, AUDIT_RETENTION_WORKFLOW } from '../../workflows/audit-retention/audit-retention.contract';

/** Makes sure the daily `audit-retention` schedule exists (idempotent; every API process tries). */
@Injectable()
export class AuditRetentionSchedule implements OnApplicationBootstrap {
  private readonly log = new Logger(AuditRetentionSchedule.name);

  constructor(private readonly temporal: TemporalClient) {}

  onApplicationBootstrap() {
    // Off the boot path: the API starts even when Temporal is not up yet.
    void this.ensure().catch((err) => this.log.warn({ err: (err as Error).message }, 'audit retention schedule not ensured; next boot retries'));
  }

  async ensure(): Promise<void> {
    try {
      await this.temporal.schedule.create({
        scheduleId: AUDIT_RETENTION_SCHEDULE_ID,
        spec: { intervals: [{ every: '1 day' }] },
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
        action: { type: 'startWorkflow', workflowType: AUDIT_RETENTION_WORKFLOW, taskQueue: this.temporal.queue('background'), args: [{}] },
      });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
  }
}
