import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { MockActivityEnvironment, TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createAuditRetentionActivities } from '../../activities/audit/audit-retention.activities';
import { appendAuditEvents, verifyAuditChain } from '../../shared/audit/audit-chain';
import { auditDraft } from '../../shared/audit/audit-draft';
import { anchorKeyFrom } from '../../shared/audit/audit-hash';
import { mikroOrmConfig } from '../../shared/persistence/mikro-orm.config';
import { auditRetentionWorkflow } from '../../workflows';
import { sql } from '../support/db';
import { stack } from '../support/stack';
import { localTemporal, workflowsPath } from '../support/temporal-env';

// Retention deletes a prefix of the chain: run it on a private copy of the audit tables (own schema,
// same Postgres) so the stack's own trail is never touched.
describe('audit retention', () => {
  const schema = `audit_spec_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const anchorKey = anchorKeyFrom('spec-key-'.repeat(5));
  let orm: MikroORM;

  beforeAll(async () => {
    await sql(`create schema ${schema}`);
    for (const table of ['audit_events', 'audit_chain']) await sql(`create table ${schema}.${table} (like public.${table} including all)`);
    await sql(`insert into ${schema}.audit_chain (id, head_seq, head_hash, anchor_seq, anchor_hash) values (1, 0, repeat('0', 64), 0, repeat('0', 64))`);
    const url = new URL(stack.databaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    // Entities are schema-qualified by MikroORM (schema option); raw SQL in the activities follows search_path.
    orm = await MikroORM.init({ ...mikroOrmConfig({ DATABASE_URL: url.toString(), DATABASE_POOL_MAX: 2 }), schema });
  });

  afterAll(async () => {
    await orm?.close(true);
    await sql(`drop schema if exists ${schema} cascade`);
  });

  type Purge = ReturnType<typeof createAuditRetentionActivities>['purgeExpiredAuditEvents'];
  // Outside a worker: the mock environment gives the activity its Context (heartbeats).
  const purge = (fn: Purge) => new MockActivityEnvironment().run(fn, {}) as ReturnType<Purge>;

  const append = (count: number, daysAgo: number) =>
    appendAuditEvents(orm.em, Array.from({ length: count }, () => auditDraft({ actorType: 'system', action: 'spec.retention', outcome: 'success', occurredAt: new Date(Date.now() - daysAgo * 86_400_000) })));

  it('deletes the expired prefix, anchors the chain on the last deleted event, and the chain still verifies', async () => {
    const old = await append(10, 400);
    const recent = await append(4, 1);
    // Guard: the events went to the private schema, never to the stack's own table.
    expect(await sql(`select seq from ${schema}.audit_events order by seq`)).toHaveLength(14);
    expect(old[0]).toBe(1);
    const { purgeExpiredAuditEvents } = createAuditRetentionActivities({ orm, retentionDays: 365, anchorKey });
    const result = await purge(purgeExpiredAuditEvents);
    expect(result.deleted).toBe(10);

    const [head] = await sql<{ anchor_seq: string; anchor_hash: string }>(`select anchor_seq, anchor_hash from ${schema}.audit_chain`);
    const [lastDeletedHash] = await sql<{ prev_hash: string }>(`select prev_hash from ${schema}.audit_events where seq = ?`, [recent[0]]);
    expect(Number(head.anchor_seq)).toBe(old[old.length - 1]);
    expect(head.anchor_hash).toBe(lastDeletedHash.prev_hash);
    expect(await verifyAuditChain(orm.em, anchorKey)).toMatchObject({ ok: true, verified: 4, anchorSeq: 10, headSeq: 14 });

    // Nothing more is expired: a second run is a no-op.
    expect((await purge(purgeExpiredAuditEvents)).deleted).toBe(0);
  });

  it('never deletes past an event still within retention, even when older ones follow it', async () => {
    await append(1, 1); // seq 15: recent
    await append(2, 500); // seq 16-17: old, but after a recent one
    const { purgeExpiredAuditEvents } = createAuditRetentionActivities({ orm, retentionDays: 365, anchorKey });
    expect((await purge(purgeExpiredAuditEvents)).deleted).toBe(0);
    expect(await verifyAuditChain(orm.em, anchorKey)).toMatchObject({ ok: true, verified: 7 });
  });

  it('a forged anchor (moved without the key) fails verification', async () => {
    await sql(`update ${schema}.audit_chain set anchor_seq = anchor_seq + 1`);
    try {
      expect(await verifyAuditChain(orm.em, anchorKey)).toMatchObject({ ok: false, reason: 'anchor signature mismatch' });
    } finally {
      await sql(`update ${schema}.audit_chain set anchor_seq = anchor_seq - 1`);
    }
    expect(await verifyAuditChain(orm.em, anchorKey)).toMatchObject({ ok: true });
  });

  it('runs as the auditRetention workflow (retention days as input)', async () => {
    const env: TestWorkflowEnvironment = await localTemporal();
    const taskQueue = `test-audit-retention-${randomUUID()}`;
    try {
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities: createAuditRetentionActivities({ orm, retentionDays: 365, anchorKey }) });
      // retentionDays 0: everything is expired, so the whole chain is deleted and anchored at its head.
      const result = await worker.runUntil(env.client.workflow.execute(auditRetentionWorkflow, { taskQueue, workflowId: `audit-retention-spec-${randomUUID()}`, args: [{ retentionDays: 0 }] }));
      expect(result.deleted).toBe(7);
      const [head] = await sql<{ anchor_seq: string }>(`select anchor_seq from ${schema}.audit_chain`);
      expect(Number(head.anchor_seq)).toBe(17);
      expect(await verifyAuditChain(orm.em, anchorKey)).toMatchObject({ ok: true, verified: 0, headSeq: 17 });
    } finally {
      await env.teardown();
    }
  });
});
