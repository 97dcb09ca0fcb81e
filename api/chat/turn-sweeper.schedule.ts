import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { TemporalClient } from '../../temporal/temporal-client.module';
import { TURN_SWEEP_EVERY_SECONDS, TURN_SWEEPER_SCHEDULE_ID, TURN_SWEEPER_WORKFLOW } from '../../workflows/turn-sweeper/turn-sweeper.contract';

const RETRY_MS = 30_000;

/**
 * Makes sure the `turn-sweeper` schedule exists (idempotent; every API process tries). Without it an
 * orphaned turn would hold its budget forever, so a failed attempt (Temporal down at boot) is retried.
 */
@Injectable()
export class TurnSweeperSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(TurnSweeperSchedule.name);
  private retry?: NodeJS.Timeout;

  constructor(private readonly temporal: TemporalClient) {}

  onApplicationBootstrap() {
    // Off the boot path: the API starts even when Temporal is not up yet.
    void this.ensureUntilDone();
  }

  onApplicationShutdown() {
    if (this.retry) clearTimeout(this.retry);
  }

  private async ensureUntilDone(): Promise<void> {
    try {
      await this.ensure();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, `turn sweeper schedule not ensured; retrying in ${RETRY_MS / 1000} s`);
      this.retry = setTimeout(() => void this.ensureUntilDone(), RETRY_MS).unref();
    }
  }

  async ensure(): Promise<void> {
    try {
      await this.temporal.schedule.create({
        scheduleId: TURN_SWEEPER_SCHEDULE_ID,
        spec: { intervals: [{ every: `${TURN_SWEEP_EVERY_SECONDS} seconds` }] },
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
        action: { type: 'startWorkflow', workflowType: TURN_SWEEPER_WORKFLOW, taskQueue: this.temporal.queue('background'), args: [{}] },
      });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
  }
}
