import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type Redis from 'ioredis';
import { createUserExportActivities } from '../../activities/privacy/user-export.activities';
import { User, UserExport, UserExportPage, UserExportStatus } from '../../shared/persistence/entities';
import { turnStreamKey } from '../../shared/streams/turn-events';
import { userExportWorkflow } from '../../workflows';
import { USER_EXPORT_AREAS, USER_EXPORT_PAGE, userExportProgressQuery, userExportWorkflowId } from '../../workflows/user-export/user-export.contract';
import { openStores } from '../support/chat-turn-fixtures';
import { tempFileStorage } from '../support/file-storage';
import { createExportRow, exportZip, seedPrivacyUser, SeededPrivacyUser } from '../support/privacy-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';
import { unzipText } from '../support/zip-reader';

// Real Temporal, the stack's Postgres and Redis, the worker's real export activities.
describe('userExport workflow', () => {
  const taskQueue = `test-user-export-${randomUUID()}`;
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let orm: MikroORM;
  let redis: Redis;
  let closeStores: () => Promise<void>;
  let alice: SeededPrivacyUser;
  let bob: SeededPrivacyUser;

  beforeAll(async () => {
    ({ orm, redis, close: closeStores } = await openStores());
    env = await localTemporal();
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities: createUserExportActivities({ orm, storage: tempFileStorage() }) });
    running = worker.run();
    // More messages than one page holds, so the messages area is read in two keyset pages.
    alice = await seedPrivacyUser(orm, redis, { tag: 'export-alice', extraMessages: USER_EXPORT_PAGE + 8 });
    bob = await seedPrivacyUser(orm, redis, { tag: 'export-bob' });
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    const seeded = [alice, bob].filter(Boolean);
    if (seeded.length) {
      await orm.em.fork().nativeDelete(User, { id: { $in: seeded.map((s) => s.userId) } });
      await redis.del(...seeded.map((s) => turnStreamKey(s.turnId)));
    }
    await closeStores?.();
  });

  it("zips every area of the user's data (and nobody else's), without secrets; progress reaches 100", async () => {
    const exportId = await createExportRow(orm, alice.userId);
    const handle = await env.client.workflow.start(userExportWorkflow, { taskQueue, workflowId: userExportWorkflowId(exportId), args: [{ exportId, userId: alice.userId }] });
    const result = await handle.result();

    const files = await unzipText(await exportZip(orm, exportId));
    expect(Object.keys(files).sort()).toEqual(['README.txt', ...USER_EXPORT_AREAS.map((a) => `${a}.json`)].sort());
    const area = <T = Record<string, unknown>>(name: string) => JSON.parse(files[`${name}.json`]) as T[];

    expect(area('profile')).toEqual([expect.objectContaining({ id: alice.userId, email: alice.email, name: 'Spec export-alice' })]);
    const messages = area<{ id: string; content: string; conversation_id: string }>('messages');
    expect(messages).toHaveLength(alice.messageIds.length);
    expect(new Set(messages.map((m) => m.id))).toEqual(new Set(alice.messageIds));
    expect(messages.map((m) => m.content)).toEqual(expect.arrayContaining([alice.question, alice.answer]));
    expect(messages.every((m) => m.conversation_id === alice.conversationId)).toBe(true);
    expect(area('conversations')).toEqual([expect.objectContaining({ id: alice.conversationId, title: 'export-alice conversation' })]);
    expect(area('chat-turns')).toEqual([expect.objectContaining({ id: alice.turnId, status: 'completed', model: 'spec/model' })]);
    expect(area('usage')).toEqual([expect.objectContaining({ source_id: alice.turnId, provider: 'spec-co', input_tokens: 12, output_tokens: 7 })]);
    expect(area('api-keys')).toEqual([expect.objectContaining({ name: 'export-alice key' })]);
    expect(area('sessions')).toEqual([expect.objectContaining({ user_agent: 'privacy-spec', ip: '10.9.8.7' })]);
    // Their own audited actions only: not the admin's action about them.
    const audit = area<{ seq: string | number; action: string }>('audit-events');
    expect(audit.map((e) => Number(e.seq))).toEqual(alice.ownAuditSeqs);
    expect(audit.map((e) => e.action)).toEqual(['PATCH /users/me', 'POST /conversations']);
    expect(files['README.txt']).toContain(`Export ${exportId} for user ${alice.userId}`);

    const all = Object.values(files).join('\n');
    for (const secret of Object.values(alice.secrets)) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/password_hash|key_hash|token_hash|mfa_secret/);
    expect(all).not.toContain(bob.question);
    expect(all).not.toContain(bob.userId);

    const items = Object.entries(files).filter(([n]) => n.endsWith('.json')).reduce((sum, [, text]) => sum + (JSON.parse(text) as unknown[]).length, 0);
    expect(result).toEqual({ exportId, items, sizeBytes: expect.any(Number) });
    expect(result.sizeBytes).toBe((await exportZip(orm, exportId)).length);
    expect(await handle.query(userExportProgressQuery)).toEqual({ status: 'completed', area: null, areasDone: USER_EXPORT_AREAS.length, areasTotal: USER_EXPORT_AREAS.length, items, percent: 100 });

    const em = orm.em.fork();
    expect(await em.findOneOrFail(UserExport, exportId)).toMatchObject({ status: UserExportStatus.Completed, items, sizeBytes: result.sizeBytes, areasDone: USER_EXPORT_AREAS.length });
    // The staging pages are dropped once the ZIP is stored.
    expect(await em.count(UserExportPage, { export: exportId })).toBe(0);
  });

  it('a user with next to nothing still gets a complete, valid archive', async () => {
    const em = orm.em.fork();
    const carol = em.create(User, { email: `export-carol-${randomUUID()}@example.test`, name: 'Carol' });
    await em.flush();
    try {
      const exportId = await createExportRow(orm, carol.id);
      const result = await env.client.workflow.execute(userExportWorkflow, { taskQueue, workflowId: userExportWorkflowId(exportId), args: [{ exportId, userId: carol.id }] });
      const files = await unzipText(await exportZip(orm, exportId));
      expect(result.items).toBe(1);
      expect(JSON.parse(files['profile.json'])).toEqual([expect.objectContaining({ id: carol.id, name: 'Carol' })]);
      for (const area of USER_EXPORT_AREAS.filter((a) => a !== 'profile')) expect(JSON.parse(files[`${area}.json`])).toEqual([]);
    } finally {
      await orm.em.fork().nativeDelete(User, { id: carol.id });
    }
  });
});
