import { Injectable } from '@nestjs/common';
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type { WorkflowDefinition, WorkflowDefinitionVersion } from '../../shared/persistence/entities';
import { SA } from '../../temporal/search-attributes';
import { TemporalClient } from '../../temporal/temporal-client.module';
import {
  DECLARATIVE_RUN_WORKFLOW,
  DeclarativeRunInput,
  declarativeRunKind,
  declarativeRunWorkflowId,
} from '../../workflows/declarative-run/declarative-run.contract';

export function workflowScheduleId(definitionId: string): string {
  return `workflow-schedule:${definitionId}`;
}

/** A definition's schedule trigger as a Temporal Schedule, kept in step with its current version. */
@Injectable()
export class WorkflowSchedules {
  constructor(private readonly temporal: TemporalClient) {}

  /** Creates, replaces or deletes the schedule so it matches this version (which it pins). */
  async sync(definition: WorkflowDefinition, version: WorkflowDefinitionVersion): Promise<void> {
    const trigger = version.spec.triggers?.find((t) => t.type === 'schedule');
    if (trigger?.type !== 'schedule') return this.remove(definition.id);
    const run: DeclarativeRunInput = { definitionId: definition.id, version: version.version, ownerId: definition.owner.id, spec: version.spec, input: trigger.input ?? {}, trigger: 'schedule' };
    const options = {
      spec: { cronExpressions: [trigger.cron], timezone: trigger.timezone },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      action: {
        type: 'startWorkflow' as const,
        workflowType: DECLARATIVE_RUN_WORKFLOW,
        taskQueue: this.temporal.queue('background'),
        // Temporal appends the scheduled time, so each run's id is unique.
        workflowId: declarativeRunWorkflowId(definition.id, 'scheduled'),
        args: [run],
        typedSearchAttributes: [
          { key: SA.kind, value: declarativeRunKind(definition.id) },
          { key: SA.userId, value: definition.owner.id },
        ],
      },
    };
    const handle = this.temporal.schedule.getHandle(workflowScheduleId(definition.id));
    try {
      await handle.update((prev) => ({ ...prev, ...options }));
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      await this.temporal.schedule.create({ scheduleId: workflowScheduleId(definition.id), ...options });
    }
  }

  async remove(definitionId: string): Promise<void> {
    try {
      await this.temporal.schedule.getHandle(workflowScheduleId(definitionId)).delete();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }
}
