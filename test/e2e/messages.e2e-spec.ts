import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { loginAdmin, registerUser, TestAccount } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';
import { stack } from '../support/stack';

/** Test-only: rows the REST API cannot create (assistant messages come from chat turns; other users' reactions). */
function sql(statement: string): string {
  return execFileSync('psql', [stack.databaseUrl, '-Atc', statement], { encoding: 'utf8' }).trim();
}

async function newConversation(token: string): Promise<string> {
  const res = await api('POST', '/conversations', { token, body: { title: 'Messages test' } });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function say(token: string, cid: string, content: string, parentId?: string) {
  const res = await api('POST', `/conversations/${cid}/messages`, { token, body: parentId ? { content, parentId } : { content } });
  expect(res.status).toBe(201);
  return res.body as { id: string; content: string; parentId: string | null; version: number };
}

const contents = (res: { body: { items: { content: string }[] } }) => res.body.items.map((m) => m.content);

describe('messages', () => {
  let alice: TestAccount;
  let bob: TestAccount;
  let cid: string;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([registerUser('msg-alice'), registerUser('msg-bob')]);
    cid = await newConversation(alice.accessToken);
  });

  describe('send and list', () => {
    let lcid: string;
    beforeAll(async () => {
      lcid = await newConversation(alice.accessToken);
      for (const n of [1, 2, 3, 4, 5]) await say(alice.accessToken, lcid, `m${n}`);
    });

    it('stores a user message authored by the caller', async () => {
      const m = await say(alice.accessToken, cid, 'Hello **world**');
      expect(m).toMatchObject({ conversationId: cid, role: 'user', content: 'Hello **world**', authorId: alice.id, parentId: null, pinned: false, version: 1, reactions: [] });
      const got = await api('GET', `/conversations/${cid}/messages/${m.id}`, { token: alice.accessToken });
      expect(got.status).toBe(200);
      expect(got.body).toEqual(m);
    });

    it('lists oldest first, or newest first with order=desc', async () => {
      expect(contents(await api('GET', `/conversations/${lcid}/messages`, { token: alice.accessToken }))).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      expect(contents(await api('GET', `/conversations/${lcid}/messages?order=desc`, { token: alice.accessToken }))).toEqual(['m5', 'm4', 'm3', 'm2', 'm1']);
    });

    it('walks pages in both orders without gaps or repeats', async () => {
      for (const [order, expected] of [['asc', ['m1', 'm2', 'm3', 'm4', 'm5']], ['desc', ['m5', 'm4', 'm3', 'm2', 'm1']]] as const) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const res: { status: number; body: { items: { content: string }[]; nextCursor: string | null } } = await api('GET', `/conversations/${lcid}/messages?order=${order}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: alice.accessToken });
          expect(res.status).toBe(200);
          expect(res.body.items.length).toBeLessThanOrEqual(2);
          seen.push(...contents(res));
          cursor = res.body.nextCursor;
          pages++;
        } while (cursor && pages < 10);
        expect(seen).toEqual(expected);
        expect(pages).toBe(3);
      }
    });

    it('rejects bad list queries', async () => {
      for (const q of ['limit=0', 'limit=101', 'order=sideways', 'parentId=nope', 'cursor=%%%', 'foo=bar']) {
        expectProblem(await api('GET', `/conversations/${lcid}/messages?${q}`, { token: alice.accessToken }), 400);
      }
    });

    it('validates content: 1 to 100000 characters, not blank', async () => {
      const bad: unknown[] = [{}, { content: '' }, { content: '   \n\t' }, { content: 42 }, { content: null }, { content: 'x'.repeat(100_001) }, { content: 'ok', role: 'assistant' }, { content: 'nul \u0000 inside' }];
      for (const body of bad) {
        const problem = expectProblem(await api('POST', `/conversations/${cid}/messages`, { token: alice.accessToken, body }), 400);
        expect(problem.errors?.length).toBeGreaterThan(0);
      }
      const max = await say(alice.accessToken, cid, 'y'.repeat(100_000));
      expect(max.content).toHaveLength(100_000);
      expectProblem(await api('POST', `/conversations/${cid}/messages`, { token: alice.accessToken, rawBody: '{"content": "unterminated' }), 400);
    });

    it('answers 400 for non-UUID ids and 404 for unknown ones', async () => {
      expectProblem(await api('GET', '/conversations/abc/messages', { token: alice.accessToken }), 400);
      expectProblem(await api('GET', `/conversations/${cid}/messages/abc`, { token: alice.accessToken }), 400);
      expectProblem(await api('POST', `/conversations/${cid}/messages/abc/react`, { token: alice.accessToken, body: { emoji: '👍' } }), 400);
      expectProblem(await api('GET', `/conversations/${cid}/messages/${randomUUID()}`, { token: alice.accessToken }), 404);
      expectProblem(await api('POST', `/conversations/${randomUUID()}/messages`, { token: alice.accessToken, body: { content: 'x' } }), 404);
    });
  });

  describe('threads', () => {
    it('replies carry parentId and ?parentId lists one thread', async () => {
      const tcid = await newConversation(alice.accessToken);
      const root = await say(alice.accessToken, tcid, 'root');
      const other = await say(alice.accessToken, tcid, 'other root');
      const r1 = await say(alice.accessToken, tcid, 'reply 1', root.id);
      await say(alice.accessToken, tcid, 'reply to other', other.id);
      await say(alice.accessToken, tcid, 'reply 2', root.id);
      expect(r1.parentId).toBe(root.id);

      expect(contents(await api('GET', `/conversations/${tcid}/messages?parentId=${root.id}`, { token: alice.accessToken }))).toEqual(['reply 1', 'reply 2']);
      expect(contents(await api('GET', `/conversations/${tcid}/messages?parentId=${root.id}&order=desc&limit=1`, { token: alice.accessToken }))).toEqual(['reply 2']);
      expect(contents(await api('GET', `/conversations/${tcid}/messages?parentId=${r1.id}`, { token: alice.accessToken }))).toEqual([]);
      expect(await api('GET', `/conversations/${tcid}/messages`, { token: alice.accessToken }).then((r) => r.body.items.length)).toBe(5);
    });

    it('parentId must be a live message of the same conversation', async () => {
      const a = await newConversation(alice.accessToken);
      const b = await newConversation(alice.accessToken);
      const inB = await say(alice.accessToken, b, 'in b');
      expectProblem(await api('POST', `/conversations/${a}/messages`, { token: alice.accessToken, body: { content: 'x', parentId: inB.id } }), 404);
      expectProblem(await api('POST', `/conversations/${a}/messages`, { token: alice.accessToken, body: { content: 'x', parentId: randomUUID() } }), 404);
      expectProblem(await api('POST', `/conversations/${a}/messages`, { token: alice.accessToken, body: { content: 'x', parentId: 'not-a-uuid' } }), 400);
      expectProblem(await api('GET', `/conversations/${a}/messages?parentId=${inB.id}`, { token: alice.accessToken }), 404);
      const gone = await say(alice.accessToken, a, 'to be deleted');
      await api('DELETE', `/conversations/${a}/messages/${gone.id}`, { token: alice.accessToken });
      expectProblem(await api('POST', `/conversations/${a}/messages`, { token: alice.accessToken, body: { content: 'x', parentId: gone.id } }), 404);
      expect((await api('GET', `/conversations/${a}/messages`, { token: alice.accessToken })).body.items).toEqual([]);
    });
  });

  describe('edit history', () => {
    it('keeps each replaced text as a version and bumps the version', async () => {
      const m = await say(alice.accessToken, cid, 'draft 1');
      const e1 = await api('PATCH', `/conversations/${cid}/messages/${m.id}`, { token: alice.accessToken, body: { content: 'draft 2' } });
      expect(e1.status).toBe(200);
      expect(e1.body).toMatchObject({ id: m.id, content: 'draft 2', version: 2 });
      const e2 = await api('PATCH', `/conversations/${cid}/messages/${m.id}`, { token: alice.accessToken, body: { content: 'final' } });
      expect(e2.body).toMatchObject({ content: 'final', version: 3 });
      // Same text again: nothing to keep.
      const same = await api('PATCH', `/conversations/${cid}/messages/${m.id}`, { token: alice.accessToken, body: { content: 'final' } });
      expect(same.body.version).toBe(3);

      const versions = await api('GET', `/conversations/${cid}/messages/${m.id}/versions`, { token: alice.accessToken });
      expect(versions.status).toBe(200);
      expect(versions.body.items.map((v: { version: number; content: string }) => [v.version, v.content])).toEqual([[1, 'draft 1'], [2, 'draft 2']]);
      const page = await api('GET', `/conversations/${cid}/messages/${m.id}/versions?limit=1`, { token: alice.accessToken });
      expect(page.body.items).toHaveLength(1);
      const next = await api('GET', `/conversations/${cid}/messages/${m.id}/versions?limit=1&cursor=${page.body.nextCursor}`, { token: alice.accessToken });
      expect(next.body.items[0]).toMatchObject({ version: 2, content: 'draft 2' });
      expect(next.body.nextCursor).toBeNull();
      expect((await api('GET', `/conversations/${cid}/messages/${m.id}`, { token: alice.accessToken })).body).toMatchObject({ content: 'final', version: 3 });
    });

    it('only the author edits: an assistant message is 403', async () => {
      const id = randomUUID();
      sql(`insert into messages (id, conversation_id, role, content, pinned, version, created_at, updated_at)
           values ('${id}', '${cid}', 'assistant', 'I am the model', false, 1, now(), now())`);
      const problem = expectProblem(await api('PATCH', `/conversations/${cid}/messages/${id}`, { token: alice.accessToken, body: { content: 'rewritten' } }), 403);
      expect(problem.detail).toMatch(/author/);
      expect((await api('GET', `/conversations/${cid}/messages/${id}`, { token: alice.accessToken })).body).toMatchObject({ role: 'assistant', authorId: null, content: 'I am the model' });
      // The conversation owner may still delete it.
      expect((await api('DELETE', `/conversations/${cid}/messages/${id}`, { token: alice.accessToken })).status).toBe(204);
    });

    it('rejects an invalid edit body', async () => {
      const m = await say(alice.accessToken, cid, 'keep me');
      for (const body of [{}, { content: '' }, { content: ' ' }, { content: 'x'.repeat(100_001) }, { content: 'ok', version: 9 }]) {
        expectProblem(await api('PATCH', `/conversations/${cid}/messages/${m.id}`, { token: alice.accessToken, body }), 400);
      }
      expect((await api('GET', `/conversations/${cid}/messages/${m.id}`, { token: alice.accessToken })).body).toMatchObject({ content: 'keep me', version: 1 });
    });
  });

  describe('delete', () => {
    it('soft-deletes: gone from reads and counts, replies stay', async () => {
      const dcid = await newConversation(alice.accessToken);
      const root = await say(alice.accessToken, dcid, 'root');
      const reply = await say(alice.accessToken, dcid, 'reply', root.id);
      expect((await api('DELETE', `/conversations/${dcid}/messages/${root.id}`, { token: alice.accessToken })).status).toBe(204);
      expectProblem(await api('GET', `/conversations/${dcid}/messages/${root.id}`, { token: alice.accessToken }), 404);
      expectProblem(await api('DELETE', `/conversations/${dcid}/messages/${root.id}`, { token: alice.accessToken }), 404);
      expectProblem(await api('PATCH', `/conversations/${dcid}/messages/${root.id}`, { token: alice.accessToken, body: { content: 'x' } }), 404);
      expect(contents(await api('GET', `/conversations/${dcid}/messages`, { token: alice.accessToken }))).toEqual(['reply']);
      expect((await api('GET', `/conversations/${dcid}/messages/${reply.id}`, { token: alice.accessToken })).body.parentId).toBe(root.id);
      expect((await api('GET', `/conversations/${dcid}`, { token: alice.accessToken })).body.messageCount).toBe(1);
      expect(sql(`select deleted_at is not null from messages where id = '${root.id}'`)).toBe('t');
    });
  });

  describe('reactions', () => {
    it('toggles per user and aggregates per emoji with count and mine', async () => {
      const m = await say(alice.accessToken, cid, 'react to me');
      const path = `/conversations/${cid}/messages/${m.id}/react`;
      const on = await api('POST', path, { token: alice.accessToken, body: { emoji: '👍' } });
      expect(on.status).toBe(200);
      expect(on.body).toEqual({ emoji: '👍', reacted: true, reactions: [{ emoji: '👍', count: 1, mine: true }] });
      await api('POST', path, { token: alice.accessToken, body: { emoji: '👨‍👩‍👧‍👦' } });

      // Someone else's 👍 (e.g. a collaborator): counted, but not "mine".
      sql(`insert into message_reactions (id, message_id, user_id, emoji, created_at) values ('${randomUUID()}', '${m.id}', '${bob.id}', '👍', now())`);
      sql(`insert into message_reactions (id, message_id, user_id, emoji, created_at) values ('${randomUUID()}', '${m.id}', '${bob.id}', '🎉', now())`);
      const got = await api('GET', `/conversations/${cid}/messages/${m.id}`, { token: alice.accessToken });
      expect(got.body.reactions).toEqual([
        { emoji: '👍', count: 2, mine: true },
        { emoji: '👨‍👩‍👧‍👦', count: 1, mine: true },
        { emoji: '🎉', count: 1, mine: false },
      ]);

      const off = await api('POST', path, { token: alice.accessToken, body: { emoji: '👍' } });
      expect(off.body.reacted).toBe(false);
      const thumbs = (r: { body: { reactions: { emoji: string }[] } }) => r.body.reactions.find((x) => x.emoji === '👍');
      expect(thumbs(off)).toEqual({ emoji: '👍', count: 1, mine: false });
      const again = await api('POST', path, { token: alice.accessToken, body: { emoji: '👍' } });
      expect(again.body.reacted).toBe(true);
      expect(thumbs(again)).toEqual({ emoji: '👍', count: 2, mine: true });

      // The list carries the same aggregate.
      const list = await api('GET', `/conversations/${cid}/messages?order=desc&limit=100`, { token: alice.accessToken });
      expect(list.body.items.find((x: { id: string }) => x.id === m.id).reactions).toHaveLength(3);
    });

    it('accepts one emoji only', async () => {
      const m = await say(alice.accessToken, cid, 'emoji validation');
      for (const emoji of ['', ' ', 'a', 'ok', ':)', '1', '👍👍', '👍 ', 'x👍', '<script>', 'x'.repeat(33), 7, null]) {
        const problem = expectProblem(await api('POST', `/conversations/${cid}/messages/${m.id}/react`, { token: alice.accessToken, body: { emoji } }), 400);
        expect(problem.errors?.[0].field).toBe('emoji');
      }
      for (const emoji of ['❤️', '❤', '🇯🇵', '👍🏽', '1️⃣']) {
        expect((await api('POST', `/conversations/${cid}/messages/${m.id}/react`, { token: alice.accessToken, body: { emoji } })).body.reacted).toBe(true);
      }
    });
  });

  describe('pins', () => {
    it('pins and unpins; the body must be a boolean', async () => {
      const m = await say(alice.accessToken, cid, 'pin me');
      const path = `/conversations/${cid}/messages/${m.id}/pin`;
      expect((await api('POST', path, { token: alice.accessToken, body: { pinned: true } })).body).toMatchObject({ id: m.id, pinned: true });
      expect((await api('GET', `/conversations/${cid}/messages/${m.id}`, { token: alice.accessToken })).body.pinned).toBe(true);
      expect((await api('POST', path, { token: alice.accessToken, body: { pinned: false } })).body.pinned).toBe(false);
      for (const body of [{}, { pinned: 'true' }, { pinned: 1 }]) expectProblem(await api('POST', path, { token: alice.accessToken, body }), 400);
    });
  });

  describe('ownership: another user gets 404 everywhere', () => {
    it('Bob cannot see or touch Alice\'s messages, even through his own conversation', async () => {
      const m = await say(alice.accessToken, cid, 'alice only');
      const bobs = await newConversation(bob.accessToken);
      const base = `/conversations/${cid}/messages`;
      const routes: [string, string, unknown?][] = [
        ['GET', base],
        ['POST', base, { content: 'intrusion' }],
        ['GET', `${base}/${m.id}`],
        ['PATCH', `${base}/${m.id}`, { content: 'pwned' }],
        ['GET', `${base}/${m.id}/versions`],
        ['DELETE', `${base}/${m.id}`],
        ['POST', `${base}/${m.id}/react`, { emoji: '👎' }],
        ['POST', `${base}/${m.id}/pin`, { pinned: true }],
        // Alice's message id under Bob's own conversation, and as a parentId in Bob's body.
        ['GET', `/conversations/${bobs}/messages/${m.id}`],
        ['PATCH', `/conversations/${bobs}/messages/${m.id}`, { content: 'pwned' }],
        ['POST', `/conversations/${bobs}/messages/${m.id}/react`, { emoji: '👎' }],
        ['POST', `/conversations/${bobs}/messages`, { content: 'reply', parentId: m.id }],
        ['GET', `/conversations/${bobs}/messages?parentId=${m.id}`],
      ];
      for (const [method, path, body] of routes) expectProblem(await api(method, path, { token: bob.accessToken, body }), 404);

      const after = await api('GET', `${base}/${m.id}`, { token: alice.accessToken });
      expect(after.body).toMatchObject({ content: 'alice only', version: 1, pinned: false, reactions: [] });
      expect((await api('GET', `/conversations/${bobs}/messages`, { token: bob.accessToken })).body.items).toEqual([]);
    });
  });

  describe('viewer role', () => {
    it('reads messages but every write is 403', async () => {
      const v = await registerUser('msg-viewer');
      const vcid = await newConversation(v.accessToken);
      const m = await say(v.accessToken, vcid, 'written as a member');
      const admin = await loginAdmin();
      expect((await api('PATCH', `/users/${v.id}`, { token: admin, body: { role: 'viewer' } })).status).toBe(200);

      const base = `/conversations/${vcid}/messages`;
      expect(contents(await api('GET', base, { token: v.accessToken }))).toEqual(['written as a member']);
      expect((await api('GET', `${base}/${m.id}`, { token: v.accessToken })).status).toBe(200);
      expect((await api('GET', `${base}/${m.id}/versions`, { token: v.accessToken })).status).toBe(200);
      const writes: [string, string, unknown][] = [
        ['POST', base, { content: 'x' }],
        ['PATCH', `${base}/${m.id}`, { content: 'x' }],
        ['DELETE', `${base}/${m.id}`, undefined],
        ['POST', `${base}/${m.id}/react`, { emoji: '👍' }],
        ['POST', `${base}/${m.id}/pin`, { pinned: true }],
      ];
      for (const [method, path, body] of writes) expectProblem(await api(method, path, { token: v.accessToken, body }), 403);
      expect((await api('GET', `${base}/${m.id}`, { token: v.accessToken })).body).toMatchObject({ content: 'written as a member', pinned: false, reactions: [] });
    });
  });
});
