/**
 * Captures the auditRetention workflow's history into test/replay/histories/, for replay.spec.ts.
 * Run on demand, with a stack up and its env exported (like capture-histories.ts):
 *   npx tsx test/replay/capture-audit-retention-histories.ts
 * Retention deletes a prefix of the audit chain, so (like test/workflows/audit-retention.spec.ts) it runs
 * on a private copy of the audit tables (own schema, same Postgres), dropped at the end: the stack's own
 * trail is never touched. It starts a throw-away Temporal server.
 */
import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createAuditRetentionActivities } from '../../activities/audit/audit-retention.activities';
import { appendAuditEvents } from '../../shared/audit/audit-chain';
import { auditDraft } from '../../shared/audit/audit-draft';
import { anchorKeyFrom } from '../../shared/audit/audit-hash';
import { mikroOrmConfig } from '../../shared/persistence/mikro-orm.config';
import { auditRetentionWorkflow } from '../../workflows';
import { sql } from '../support/db';
import { stack } from '../support/stack';
import { localTemporal, workflowsPath } from '../support/temporal-env';
import { saveHistory } from './history-json';


async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const schema = `audit_replay_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await sql(`create schema ${schema}`);
  let orm: MikroORM | undefined;
  try {
    for (const table of ['audit_events', 'audit_chain']) await sql(`create table ${schema}.${table} (like public.${table} including all)`);
    await sql(`insert into ${schema}.audit_chain (id, head_seq, head_hash, anchor_seq, anchor_hash) values (1, 0, repeat('0', 64), 0, repeat('0', 64))`);
    const url = new URL(stack.databaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    orm = await MikroORM.init({ ...mikroOrmConfig({ DATABASE_URL: url.toString(), DATABASE_POOL_MAX: 2 }), schema });
    const db = orm;
    // Some expired events and some within retention: the run deletes the expired prefix.
    const append = (count: number, daysAgo: number) =>
      appendAuditEvents(db.em, Array.from({ length: count }, () => auditDraft({ actorType: 'system', action: 'replay.retention', outcome: 'success', occurredAt: new Date(Date.now() - daysAgo * 86_400_000) })));
    await append(5, 400);
    await append(2, 1);
    const env = await localTemporal();
    const taskQueue = 'replay-capture-audit-retention';
    try {
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities: createAuditRetentionActivities({ orm: db, retentionDays: 365, anchorKey: anchorKeyFrom('replay-key-'.repeat(4)) }) });
      await worker.runUntil(async () => {
        const handle = await env.client.workflow.start(auditRetentionWorkflow, { taskQueue, workflowId: `audit-retention-replay-${randomUUID()}`, args: [{ retentionDays: 365 }] });
        const result = await handle.result();
        if (result.deleted !== 5) throw new Error(`expected 5 deleted, got ${result.deleted}`);
        await saveHistory('auditRetentionWorkflow-purged', handle);
      });
    } finally {
      await env.teardown();
    }
  } finally {
    await orm?.close(true);
    await sql(`drop schema if exists ${schema} cascade`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
