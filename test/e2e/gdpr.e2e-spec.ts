import Redis from 'ioredis';
import { turnStreamKey } from '../../shared/streams/turn-events';
import { registerUser, loginAdmin, type TestAccount } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';
import { sql } from '../support/db';
import { stack } from '../support/stack';
import { StubLlmServer } from '../support/stub-llm-server';
import { stubModel, STUB_LLM_PORT } from '../support/stub-llm';
import { unzipText } from '../support/zip-reader';

async function until<T>(fn: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 45_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (done(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last value: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Tables holding a user's rows, and the column naming them. */
const USER_TABLES: [string, string][] = [
  ['users', 'id'],
  ['sessions', 'user_id'],
  ['api_keys', 'user_id'],
  ['one_time_tokens', 'user_id'],
  ['user_identities', 'user_id'],
  ['notification_preferences', 'user_id'],
  ['notifications', 'user_id'],
  ['conversations', 'owner_id'],
  ['chat_turns', 'user_id'],
  ['usage_records', 'user_id'],
  ['tool_runs', 'user_id'],
  ['approvals', 'requester_id'],
  ['workflow_definitions', 'owner_id'],
  ['message_reactions', 'user_id'],
  ['user_exports', 'user_id'],
];

async function rowCounts(userId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [table, column] of USER_TABLES) {
    const [{ n }] = await sql<{ n: string }>(`select count(*) as n from ${table} where ${column} = ?`, [userId]);
    out[table] = Number(n);
  }
  return out;
}

describe('GDPR: data export and account erasure', () => {
  const llm = new StubLlmServer();
  const redis = new Redis(stack.redisUrl, { lazyConnect: true });
  let admin: string;
  let alice: TestAccount;
  let bob: TestAccount;
  let aliceConversation: string;

  async function chat(owner: TestAccount, message: string): Promise<string> {
    const created = await api('POST', '/conversations', { token: owner.accessToken, body: { title: `${message} thread`, model: stubModel('echo') } });
    expect(created.status).toBe(201);
    const turn = await api('POST', '/chat', { token: owner.accessToken, body: { conversationId: created.body.id, message, model: stubModel('echo') } });
    expect(turn.body.status).toBe('completed');
    return created.body.id;
  }

  beforeAll(async () => {
    await llm.start(STUB_LLM_PORT);
    await redis.connect();
    admin = await loginAdmin();
    [alice, bob] = await Promise.all([registerUser('gdpr-alice'), registerUser('gdpr-bob')]);
    aliceConversation = await chat(alice, 'alice secret recipe for plum jam');
    await chat(bob, 'bob keeps his own notes');
    const key = await api('POST', `/users/${alice.id}/api-keys`, { token: alice.accessToken, body: { name: 'gdpr key' } });
    expect(key.status).toBe(201);
    await api('PATCH', '/users/me', { token: alice.accessToken, body: { name: 'Alice Jam' } });
  });
  afterAll(async () => {
    redis.disconnect();
    await llm.stop();
  });

  describe('export', () => {
    let exportId: string;

    it('POST /users/me/export runs a user-export workflow to a ZIP the owner downloads', async () => {
      const started = await api('POST', '/users/me/export', { token: alice.accessToken });
      expect(started.status).toBe(202);
      exportId = started.body.id;
      expect(started.body).toMatchObject({ workflowId: `user-export:${exportId}`, status: 'running' });
      const done = await until(() => api('GET', `/users/me/exports/${exportId}`, { token: alice.accessToken }), (r) => r.body.status !== 'running' && r.body.status !== 'zipping');
      expect(done.body).toMatchObject({ status: 'completed', percent: 100, downloadUrl: `/api/v3/users/me/exports/${exportId}/download` });
      expect(done.body.items).toBeGreaterThan(5);
      expect(new Date(done.body.expiresAt).getTime() - Date.now()).toBeGreaterThan(6.9 * 24 * 3_600_000);
      expect((await api('GET', '/users/me/export', { token: alice.accessToken })).body.id).toBe(exportId);

      const res = await fetch(`${stack.apiUrl}/users/me/exports/${exportId}/download`, { headers: { authorization: `Bearer ${alice.accessToken}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/zip');
      const files = await unzipText(Buffer.from(await res.arrayBuffer()));
      expect(Object.keys(files)).toEqual(expect.arrayContaining(['README.txt', 'profile.json', 'conversations.json', 'messages.json', 'sessions.json', 'api-keys.json', 'chat-turns.json', 'usage.json', 'audit-events.json']));

      const profile = JSON.parse(files['profile.json']);
      expect(profile).toEqual([expect.objectContaining({ id: alice.id, email: alice.email, name: 'Alice Jam' })]);
      const messages = JSON.parse(files['messages.json']) as { content: string; conversation_id: string }[];
      expect(messages.map((m) => m.content)).toEqual(expect.arrayContaining(['alice secret recipe for plum jam', 'You said: alice secret recipe for plum jam']));
      expect(messages.every((m) => m.conversation_id === aliceConversation)).toBe(true);
      expect(JSON.parse(files['api-keys.json'])).toEqual([expect.objectContaining({ name: 'gdpr key' })]);
      expect(JSON.parse(files['audit-events.json']).map((e: { action: string }) => e.action)).toContain('PATCH /users/me');

      // Nobody else's data, and no secret of Alice's.
      const all = Object.values(files).join('\n');
      expect(all).not.toContain('bob keeps his own notes');
      const [{ password_hash }] = await sql<{ password_hash: string }>('select password_hash from users where id = ?', [alice.id]);
      const keyHashes = await sql<{ key_hash: string }>('select key_hash from api_keys where user_id = ?', [alice.id]);
      const tokenHashes = await sql<{ token_hash: string }>('select r.token_hash from refresh_tokens r join sessions s on s.id = r.session_id where s.user_id = ?', [alice.id]);
      for (const secret of [password_hash, ...keyHashes.map((k) => k.key_hash), ...tokenHashes.map((t) => t.token_hash)]) expect(all).not.toContain(secret);
      expect(all).not.toMatch(/password_hash|key_hash|token_hash|mfa_secret/);
    });

    it('is 404 for anyone but the owner, admins included', async () => {
      for (const token of [bob.accessToken, admin]) {
        expectProblem(await api('GET', `/users/me/exports/${exportId}`, { token }), 404);
        expectProblem(await api('GET', `/users/me/exports/${exportId}/download`, { token }), 404);
      }
    });

    it('an expired export is gone', async () => {
      await sql(`update user_exports set expires_at = now() - interval '1 second' where id = ?`, [exportId]);
      expectProblem(await api('GET', `/users/me/exports/${exportId}/download`, { token: alice.accessToken }), 404);
      expectProblem(await api('GET', '/users/me/export', { token: alice.accessToken }), 404);
      await sql(`update user_exports set expires_at = now() + interval '7 days' where id = ?`, [exportId]);
    });
  });

  describe('erasure', () => {
    it('DELETE /users/me?erase=true needs the password', async () => {
      expectProblem(await api('DELETE', '/users/me?erase=true', { token: alice.accessToken, body: { password: 'not the password at all' } }), 403);
      expect((await rowCounts(alice.id)).users).toBe(1);
    });

    it('erases every store, keeps usage under a pseudonym, pseudonymises the trail and keeps it verifiable', async () => {
      const turns = await sql<{ id: string }>('select id from chat_turns where user_id = ?', [alice.id]);
      expect(turns.length).toBeGreaterThan(0);
      expect(await redis.exists(...turns.map((t) => turnStreamKey(t.id)))).toBe(turns.length);
      const before = await rowCounts(alice.id);
      expect(before).toMatchObject({ users: 1, conversations: 1, chat_turns: 1, user_exports: 1 });
      const [{ n: auditBefore }] = await sql<{ n: string }>('select count(*) as n from audit_events where actor_user_id = ?', [alice.id]);
      expect(Number(auditBefore)).toBeGreaterThan(2);
      const bobBefore = await rowCounts(bob.id);

      const res = await api('DELETE', '/users/me?erase=true', { token: alice.accessToken, body: { password: alice.password } });
      expect(res.status).toBe(202);
      const subject = res.body.subject as string;
      expect(subject).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // The account is locked at once.
      await until(() => api('GET', '/users/me', { token: alice.accessToken }), (r) => r.status === 401);

      const done = await until(() => api('GET', `/admin/erasures/${alice.id}`, { token: admin }), (r) => r.body?.status === 'completed');
      const report = done.body.report;
      expect(report).toMatchObject({ subject, status: 'completed', stores: { search: { status: process.env.SEARCH_ENGINE === 'postgres' ? 'no search index configured' : 'erased' } }, retained: { usageRecords: before.usage_records } });
      expect(report.stores.postgres).toMatchObject({ users: 1, conversations: 1, chat_turns: before.chat_turns, api_keys: 1, usage_records: before.usage_records });
      expect(report.stores.postgres.messages).toBeGreaterThanOrEqual(2);
      expect(report.stores.redis.turnStreams).toBe(turns.length);
      expect(report.stores.files).toMatchObject({ exports: 1 });
      expect(report.stores.audit.pseudonymised).toBeGreaterThanOrEqual(Number(auditBefore));

      // Postgres: nothing left keyed by Alice; usage kept under the pseudonym only.
      expect(Object.values(await rowCounts(alice.id)).every((n) => n === 0)).toBe(true);
      expect(await sql('select id from messages where conversation_id = ?', [aliceConversation])).toEqual([]);
      const retained = await sql<{ subject_pseudonym: string }>('select subject_pseudonym from retained_usage_records where subject_pseudonym = ?', [subject]);
      expect(retained).toHaveLength(before.usage_records);
      // Redis: the turn streams are gone.
      expect(await redis.exists(...turns.map((t) => turnStreamKey(t.id)))).toBe(0);

      // The trail names Alice nowhere in clear, and still verifies.
      await until(() => sql<{ n: string }>(`select count(*) as n from audit_events where action = 'user.erased' and resource_id = ?`, [subject]), (r) => Number(r[0].n) === 1);
      const clear = await sql('select seq from audit_events where actor_user_id = ? or resource_id = ? or actor_email = ? or row_to_json(audit_events)::text ilike ?', [alice.id, alice.id, alice.email, `%${alice.email}%`]);
      expect(clear).toEqual([]);
      const mine = await sql<{ actor_email: string | null; ip: string | null; redaction_seal: string | null }>('select actor_email, ip, redaction_seal from audit_events where actor_user_id = ?', [subject]);
      expect(mine.length).toBeGreaterThanOrEqual(Number(auditBefore));
      expect(mine.every((r) => r.actor_email === null && r.ip === null && r.redaction_seal?.length === 64)).toBe(true);
      const compliance = await api('GET', '/audit/compliance', { token: admin });
      expect(compliance.body).toMatchObject({ ok: true });

      // Bob is untouched.
      expect(await rowCounts(bob.id)).toEqual(bobBefore);
      expect((await api('GET', '/users/me', { token: bob.accessToken })).status).toBe(200);
    });

    it('re-running the erasure is a no-op with the same final report', async () => {
      const first = await api('GET', `/admin/erasures/${alice.id}`, { token: admin });
      const again = await api('POST', `/admin/users/${alice.id}/erase`, { token: admin });
      expect(again.status).toBe(202);
      const after = await until(() => api('GET', `/admin/erasures/${alice.id}`, { token: admin }), (r) => r.body?.status === 'completed');
      expect(after.body).toEqual(first.body);
      const [{ n }] = await sql<{ n: string }>(`select count(*) as n from audit_events where action = 'user.erased' and resource_id = ?`, [first.body.subject]);
      expect(Number(n)).toBe(1);
      expect((await api('GET', '/audit/compliance', { token: admin })).body).toMatchObject({ ok: true });
    });

    it('admins erase others (not themselves, not unknown users); members may not', async () => {
      const carol = await registerUser('gdpr-carol');
      expectProblem(await api('POST', `/admin/users/${carol.id}/erase`, { token: bob.accessToken }), 403);
      expectProblem(await api('POST', '/admin/users/00000000-0000-4000-8000-000000000000/erase', { token: admin }), 404);
      const res = await api('POST', `/admin/users/${carol.id}/erase`, { token: admin });
      expect(res.status).toBe(202);
      await until(() => api('GET', `/admin/erasures/${carol.id}`, { token: admin }), (r) => r.body?.status === 'completed');
      expect(await rowCounts(carol.id)).toMatchObject({ users: 0, sessions: 0 });
      expectProblem(await api('GET', `/admin/erasures/${bob.id}`, { token: admin }), 404);
    });
  });
});
