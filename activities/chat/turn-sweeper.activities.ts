import type { MikroORM } from '@mikro-orm/postgresql';
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type Redis from 'ioredis';
import { settleReservations } from '../../shared/billing/budget-ledger';
import { settleTurnBilling } from '../../shared/billing/turn-billing';
import { ChatTurn, TurnStatus } from '../../shared/persistence/entities';
import { chatTurnWorkflowId } from '../../workflows/chat-turn/chat-turn.contract';
import {
  ORPHAN_TURN_PROBLEM,
  TURN_SWEEP_GRACE_SECONDS,
  type TurnSweepCandidates,
  type TurnSweepInput,
  type TurnSweepResult,
} from '../../workflows/turn-sweeper/turn-sweeper.contract';
import { TurnStreamWriter } from './turn-stream-writer';

/** Whether a workflow execution exists and still runs. */
export type WorkflowLiveness = 'running' | 'closed' | 'missing';

export interface TurnSweeperDeps {
  orm: MikroORM;
  redis: Redis;
  streamRetentionSeconds: number;
  workflowState(workflowId: string): Promise<WorkflowLiveness>;
}

/** workflowState over a Temporal client (the worker's own, with bounded calls). */
export function temporalWorkflowState(client: Client): TurnSweeperDeps['workflowState'] {
  return async (workflowId) => {
    try {
      const { status } = await client.workflow.getHandle(workflowId).describe();
      return status.name === 'RUNNING' ? 'running' : 'closed';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'missing';
      throw err;
    }
  };
}

export function createTurnSweeperActivities(deps: TurnSweeperDeps) {
  return {
    async findSweepCandidates({ graceSeconds = TURN_SWEEP_GRACE_SECONDS, limit = 200, userId }: TurnSweepInput): Promise<TurnSweepCandidates> {
      const conn = deps.orm.em.fork().getConnection();
      const byUser = userId ? 'and t.user_id = ?' : '';
      const params = (extra: unknown[]) => [graceSeconds, ...(userId ? [userId] : []), ...extra];
      const running = await conn.execute<{ id: string }[]>(
        `select t.id from chat_turns t where t.status = 'running' and t.created_at < now() - make_interval(secs => ?) ${byUser} order by t.created_at limit ?`,
        params([limit]),
      );
      const unsettled = await conn.execute<{ id: string }[]>(
        `select distinct t.id from budget_reservations r join chat_turns t on t.id::text = r.source_id
          where r.status = 'reserved' and t.status <> 'running' and r.created_at < now() - make_interval(secs => ?) ${byUser} limit ?`,
        params([limit]),
      );
      return { runningTurnIds: running.map((r) => r.id), unsettledTurnIds: unsettled.map((r) => r.id) };
    },

    /**
     * Fails each running turn that has no live workflow (never started, or ended without recording
     * the turn), refunding its hold, and tells its followers; releases the open holds of ended turns.
     * Idempotent: only the transition out of `running` (or of `reserved`) wins.
     */
    async settleOrphanTurns({ runningTurnIds, unsettledTurnIds }: TurnSweepCandidates): Promise<TurnSweepResult> {
      const ctx = Context.current();
      let failed = 0;
      let released = 0;
      for (const turnId of runningTurnIds) {
        ctx.heartbeat({ turnId });
        if ((await deps.workflowState(chatTurnWorkflowId(turnId))) === 'running') continue;
        const won = await deps.orm.em.fork().transactional(async (tx) => {
          const turn = await tx.findOne(ChatTurn, { id: turnId, status: TurnStatus.Running });
          if (!turn) return false;
          const n = await tx.nativeUpdate(ChatTurn, { id: turnId, status: TurnStatus.Running }, { status: TurnStatus.Failed, completedAt: new Date(), error: ORPHAN_TURN_PROBLEM.detail });
          if (n) await settleTurnBilling(tx, { sourceId: turnId, userId: turn.user.id, costUsd: '0' });
          return n > 0;
        });
        if (!won) continue;
        failed++;
        ctx.log.warn('orphaned chat turn failed by the sweeper', { turnId });
        // Followers waiting on the stream learn the turn's end (the row is already the truth).
        const stream = new TurnStreamWriter(deps.redis, turnId, deps.streamRetentionSeconds);
        await stream.append({ type: 'error', data: ORPHAN_TURN_PROBLEM }).catch(() => undefined);
      }
      for (const turnId of unsettledTurnIds) {
        ctx.heartbeat({ turnId });
        // An ended turn's actual cost is its usage row; none means nothing was spent.
        released += await deps.orm.em.fork().transactional(async (tx) => {
          const [usage] = await tx.getConnection().execute<{ cost_usd: string }[]>('select cost_usd from usage_records where source_id = ?', [turnId], 'all', tx.getTransactionContext());
          return settleReservations(tx, turnId, usage?.cost_usd ?? '0');
        });
      }
      return { checked: runningTurnIds.length + unsettledTurnIds.length, failed, released };
    },
  };
}

export type TurnSweeperActivities = ReturnType<typeof createTurnSweeperActivities>;
