import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type Redis from 'ioredis';
import { createAuditRecordActivities } from '../../activities/audit/audit-record.activities';
import { createUserErasureActivities } from '../../activities/privacy/user-erasure.activities';
import { verifyAuditChain } from '../../shared/audit/audit-chain';
import { userPseudonym } from '../../shared/audit/audit-pii';
import { AuditEvent, RetainedUsageRecord, User, UserErasure, UserErasureStatus } from '../../shared/persistence/entities';
import { turnStreamKey } from '../../shared/streams/turn-events';
import { userErasureWorkflow } from '../../workflows';
import { userErasureReportQuery, userErasureWorkflowId } from '../../workflows/user-erasure/user-erasure.contract';
import { openStores } from '../support/chat-turn-fixtures';
import { tempFileStorage } from '../support/file-storage';
import { sql } from '../support/db';
import { createExportRow, seedPrivacyUser, SeededPrivacyUser, stackKeys } from '../support/privacy-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';

/** Rows naming a user, per table (the column that names them). */
async function rowCounts(userId: string): Promise<Record<string, number>> {
  const tables: [string, string][] = [
    ['users', 'id'],
    ['sessions', 'user_id'],
    ['api_keys', 'user_id'],
    ['conversations', 'owner_id'],
    ['messages', 'author_id'],
    ['chat_turns', 'user_id'],
    ['usage_records', 'user_id'],
    ['user_exports', 'user_id'],
  ];
  const out: Record<string, number> = {};
  for (const [table, column] of tables) out[table] = Number((await sql<{ n: string }>(`select count(*) as n from ${table} where ${column} = ?`, [userId]))[0].n);
  return out;
}

// Real Temporal, the stack's Postgres, Redis and audit chain; the worker's real erasure activities with the
// stack's keys, so the compliance check (verifyAuditChain, as GET /audit/compliance runs it) covers the seals.
describe('userErasure workflow', () => {
  const taskQueue = `test-user-erasure-${randomUUID()}`;
  const keys = stackKeys();
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let orm: MikroORM;
  let redis: Redis;
  let closeStores: () => Promise<void>;
  let alice: SeededPrivacyUser;
  let bob: SeededPrivacyUser;
  let subject: string;

  beforeAll(async () => {
    ({ orm, redis, close: closeStores } = await openStores());
    env = await localTemporal();
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath,
      activities: { ...createUserErasureActivities({ orm, redis, storage: tempFileStorage(), ...keys }), ...createAuditRecordActivities({ orm }) },
    });
    running = worker.run();
    alice = await seedPrivacyUser(orm, redis, { tag: 'erase-alice', extraMessages: 3 });
    bob = await seedPrivacyUser(orm, redis, { tag: 'erase-bob' });
    await createExportRow(orm, alice.userId);
    subject = userPseudonym(keys.pseudonymKey, alice.userId);
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    if (bob) {
      await orm.em.fork().nativeDelete(User, { id: bob.userId });
      await redis.del(turnStreamKey(bob.turnId));
    }
    if (subject) {
      await orm.em.fork().nativeDelete(RetainedUsageRecord, { subjectPseudonym: subject });
      await orm.em.fork().nativeDelete(UserErasure, { subjectPseudonym: subject });
    }
    await closeStores?.();
  });

  const erase = () => env.client.workflow.start(userErasureWorkflow, { taskQueue, workflowId: userErasureWorkflowId(alice.userId), args: [{ userId: alice.userId, requestedBy: null }] });
  const erasedEvents = async () => Number((await sql<{ n: string }>(`select count(*) as n from audit_events where action = 'user.erased' and resource_id = ?`, [subject]))[0].n);

  it('erases Postgres rows and Redis streams, keeps usage under the pseudonym, pseudonymises the trail, and the chain still verifies', async () => {
    expect(await verifyAuditChain(orm.em, keys.anchorKey)).toMatchObject({ ok: true });
    const auditSeqs = [...alice.ownAuditSeqs, alice.adminAuditSeq];
    const hashesBefore = (await orm.em.fork().find(AuditEvent, { seq: { $in: auditSeqs } }, { orderBy: { seq: 'asc' } })).map((r) => r.hash);
    const bobBefore = await rowCounts(bob.userId);
    expect(await rowCounts(alice.userId)).toEqual({ users: 1, sessions: 1, api_keys: 1, conversations: 1, messages: 4, chat_turns: 1, usage_records: 1, user_exports: 1 });
    expect(await redis.exists(turnStreamKey(alice.turnId))).toBe(1);

    const handle = await erase();
    const report = await handle.result();

    expect(report).toMatchObject({
      subject,
      status: 'completed',
      step: null,
      stores: {
        redis: { turnStreams: 1 },
        audit: { pseudonymised: 3, v1Sealed: 0 },
        files: { exports: 1 },
        postgres: { users: 1, sessions: 1, refresh_tokens: 1, api_keys: 1, conversations: 1, messages: 5, chat_turns: 1, usage_records: 1 },
        search: { status: 'no search index configured' },
      },
      retained: { usageRecords: 1 },
      completedAt: expect.any(String),
    });
    expect(await handle.query(userErasureReportQuery)).toEqual(report);
    const row = await orm.em.fork().findOneOrFail(UserErasure, { subjectPseudonym: subject });
    expect(row.status).toBe(UserErasureStatus.Completed);
    expect(row.report).toEqual(report);

    // Postgres: nothing keyed by Alice; her usage is kept for accounting under the pseudonym only.
    expect(Object.values(await rowCounts(alice.userId)).every((n) => n === 0)).toBe(true);
    expect(await sql('select id from messages where id in (?, ?)', alice.messageIds.slice(0, 2))).toEqual([]);
    expect(await sql('select id from refresh_tokens where token_hash = ?', [alice.secrets.tokenHash])).toEqual([]);
    const retained = await orm.em.fork().find(RetainedUsageRecord, { subjectPseudonym: subject });
    expect(retained).toEqual([expect.objectContaining({ model: 'spec/model', provider: 'spec-co', inputTokens: 12, outputTokens: 7 })]);
    // Redis: the turn's token stream is gone.
    expect(await redis.exists(turnStreamKey(alice.turnId))).toBe(0);

    // The trail: her own rows carry the pseudonym and lose email, ip and user agent; the admin's row about
    // her keeps the admin's fields but names her by pseudonym. No chain hash changes; each row is sealed.
    const rows = await orm.em.fork().find(AuditEvent, { seq: { $in: auditSeqs } }, { orderBy: { seq: 'asc' } });
    expect(rows.map((r) => r.hash)).toEqual(hashesBefore);
    for (const own of rows.slice(0, 2)) expect(own).toMatchObject({ actorUserId: subject, actorEmail: null, ip: null, userAgent: null, piiNonce: null });
    expect(rows[2]).toMatchObject({ actorEmail: 'admin@privacy-spec.test', ip: '10.1.1.1', resourceId: subject });
    expect(rows.every((r) => r.redactionSeal?.length === 64 && r.piiErasedAt instanceof Date)).toBe(true);
    const clear = await sql('select seq from audit_events where actor_user_id = ? or resource_id = ? or row_to_json(audit_events)::text ilike ? or row_to_json(audit_events)::text ilike ?', [
      alice.userId,
      alice.userId,
      `%${alice.userId}%`,
      `%${alice.email}%`,
    ]);
    expect(clear).toEqual([]);
    expect(await erasedEvents()).toBe(1);
    expect(await verifyAuditChain(orm.em, keys.anchorKey)).toMatchObject({ ok: true });

    // Bob is untouched.
    expect(await rowCounts(bob.userId)).toEqual(bobBefore);
    expect(await redis.exists(turnStreamKey(bob.turnId))).toBe(1);
    expect((await orm.em.fork().findOneOrFail(AuditEvent, { seq: bob.ownAuditSeqs[0] })).actorEmail).toBe(bob.email);
  });

  it('a second run is a no-op returning the same report', async () => {
    const first = (await orm.em.fork().findOneOrFail(UserErasure, { subjectPseudonym: subject })).report;
    const trail = await sql('select seq, actor_user_id, redaction_seal, hash from audit_events where actor_user_id = ? or resource_id = ? order by seq', [subject, subject]);

    const handle = await erase();
    const again = await handle.result();

    expect(again).toEqual(first);
    // Only the lookup of the stored report ran: no erasure step, no timer.
    const history = await handle.fetchHistory();
    const scheduled = history.events!.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
    expect(scheduled).toEqual(['beginUserErasure']);
    expect(history.events!.some((e) => e.timerStartedEventAttributes)).toBe(false);
    expect(await erasedEvents()).toBe(1);
    expect(await sql('select seq, actor_user_id, redaction_seal, hash from audit_events where actor_user_id = ? or resource_id = ? order by seq', [subject, subject])).toEqual(trail);
    expect(await orm.em.fork().count(RetainedUsageRecord, { subjectPseudonym: subject })).toBe(1);
    expect(await verifyAuditChain(orm.em, keys.anchorKey)).toMatchObject({ ok: true });
  });
});
