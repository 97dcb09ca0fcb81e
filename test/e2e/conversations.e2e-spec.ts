import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { loginAdmin, registerUser, TestAccount } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';
import { stack } from '../support/stack';

/** Test-only backdoor for states the API cannot produce on demand (a deletion 31 days ago). */
function sql(statement: string): string {
  return execFileSync('psql', [stack.databaseUrl, '-Atc', statement], { encoding: 'utf8' }).trim();
}

async function createConversation(token: string, body: Record<string, unknown> = {}) {
  const res = await api('POST', '/conversations', { token, body });
  expect(res.status).toBe(201);
  return res.body as { id: string; title: string; [k: string]: unknown };
}

async function say(token: string, cid: string, content: string, parentId?: string) {
  const res = await api('POST', `/conversations/${cid}/messages`, { token, body: { content, parentId } });
  expect(res.status).toBe(201);
  return res.body as { id: string; content: string; parentId: string | null };
}

describe('conversations', () => {
  let alice: TestAccount;
  let bob: TestAccount;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([registerUser('conv-alice'), registerUser('conv-bob')]);
  });

  describe('create, read, update', () => {
    it('creates with defaults, normalises tags, and reads back with a message count', async () => {
      const c = await createConversation(alice.accessToken);
      expect(c).toMatchObject({ title: 'New conversation', folder: null, tags: [], bookmarked: false, messageCount: 0, deletedAt: null });

      const full = await createConversation(alice.accessToken, {
        title: '  Trip plan ',
        folder: 'travel',
        tags: ['japan', ' japan', 'food'],
        model: 'local/tiny',
        systemPrompt: 'You are a travel agent.',
      });
      expect(full).toMatchObject({ title: 'Trip plan', folder: 'travel', tags: ['japan', 'food'], model: 'local/tiny', systemPrompt: 'You are a travel agent.' });

      await say(alice.accessToken, full.id, 'one');
      await say(alice.accessToken, full.id, 'two');
      const got = await api('GET', `/conversations/${full.id}`, { token: alice.accessToken });
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ id: full.id, messageCount: 2, title: 'Trip plan' });
    });

    it('patches only the fields sent; null clears folder, model and systemPrompt', async () => {
      const c = await createConversation(alice.accessToken, { title: 'Before', folder: 'f', model: 'm', systemPrompt: 's', tags: ['x'] });
      const res = await api('PATCH', `/conversations/${c.id}`, { token: alice.accessToken, body: { title: 'After', bookmarked: true, folder: null, model: null, systemPrompt: null } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ title: 'After', bookmarked: true, folder: null, model: null, systemPrompt: null, tags: ['x'] });
      const again = await api('PATCH', `/conversations/${c.id}`, { token: alice.accessToken, body: { tags: [] } });
      expect(again.body).toMatchObject({ title: 'After', bookmarked: true, tags: [] });
    });

    it('rejects malformed bodies with a field list', async () => {
      const c = await createConversation(alice.accessToken);
      const cases: [string, string, unknown][] = [
        ['POST', '/conversations', { title: '' }],
        ['POST', '/conversations', { title: 'x'.repeat(301) }],
        ['POST', '/conversations', { tags: 'not-an-array' }],
        ['POST', '/conversations', { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }],
        ['POST', '/conversations', { tags: [''] }],
        ['POST', '/conversations', { ownerId: bob.id }],
        ['PATCH', `/conversations/${c.id}`, { title: null }],
        ['PATCH', `/conversations/${c.id}`, { bookmarked: 'yes' }],
        ['PATCH', `/conversations/${c.id}`, { tags: null }],
        ['PATCH', `/conversations/${c.id}`, { systemPrompt: 'x'.repeat(20_001) }],
        // Postgres text cannot store U+0000: a 400, not a 500.
        ['POST', '/conversations', { title: 'a\u0000b' }],
        ['POST', '/conversations', { tags: ['ok', 'a\u0000b'] }],
        ['PATCH', `/conversations/${c.id}`, { systemPrompt: '\u0000' }],
      ];
      for (const [method, path, body] of cases) {
        const problem = expectProblem(await api(method, path, { token: alice.accessToken, body }), 400);
        expect(problem.errors?.length).toBeGreaterThan(0);
      }
      expectProblem(await api('POST', '/conversations', { token: alice.accessToken, rawBody: '{"title":', headers: { 'content-type': 'application/json' } }), 400);
      expectProblem(await api('POST', '/conversations', { token: alice.accessToken, rawBody: '[1,2]' }), 400);
    });

    it('answers 400 for ids that are not UUIDs and 401 without a token', async () => {
      for (const path of ['/conversations/nope', '/conversations/1/export', "/conversations/'%20or%201=1/shares", '/conversations/00000000-0000-0000-0000-00000000000g']) {
        expectProblem(await api('GET', path, { token: alice.accessToken }), 400);
      }
      expectProblem(await api('DELETE', `/conversations/${randomUUID()}/shares/not-a-uuid`, { token: alice.accessToken }), 400);
      expectProblem(await api('POST', `/conversations/${randomUUID()}/fork`, { token: alice.accessToken, body: { messageId: 'x' } }), 400);
      expectProblem(await api('GET', '/conversations'), 401);
      expectProblem(await api('GET', `/conversations/${randomUUID()}`, { token: alice.accessToken }), 404);
    });
  });

  describe('listing', () => {
    let lister: TestAccount;
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      lister = await registerUser('conv-lister');
      ids.work = (await createConversation(lister.accessToken, { title: 'Quarterly REPORT', folder: 'work', tags: ['q3', 'finance'] })).id;
      ids.home = (await createConversation(lister.accessToken, { title: 'Groceries', folder: 'home', tags: ['food'] })).id;
      ids.misc = (await createConversation(lister.accessToken, { title: '100% sure' })).id;
      await say(lister.accessToken, ids.home, 'Buy BANANAS and milk');
      await api('PATCH', `/conversations/${ids.home}`, { token: lister.accessToken, body: { bookmarked: true } });
      // Bob's conversation matches every filter but must never appear in Alice's lists.
      await createConversation(bob.accessToken, { title: 'Quarterly report of bob', folder: 'work', tags: ['q3'] });
    });

    const titles = async (query: string) => {
      const res = await api('GET', `/conversations${query}`, { token: lister.accessToken });
      expect(res.status).toBe(200);
      return (res.body.items as { title: string }[]).map((c) => c.title);
    };

    it('lists only the caller\'s conversations, newest first, with counts', async () => {
      expect(await titles('')).toEqual(['100% sure', 'Groceries', 'Quarterly REPORT']);
      const res = await api('GET', '/conversations', { token: lister.accessToken });
      expect(res.body.items.find((c: { id: string }) => c.id === ids.home).messageCount).toBe(1);
    });

    it('filters by folder, tag, bookmark, title or message text, and dates', async () => {
      expect(await titles('?folder=work')).toEqual(['Quarterly REPORT']);
      expect(await titles('?tag=finance')).toEqual(['Quarterly REPORT']);
      expect(await titles('?tag=fin')).toEqual([]);
      expect(await titles('?bookmarked=true')).toEqual(['Groceries']);
      expect(await titles('?bookmarked=false')).toEqual(['100% sure', 'Quarterly REPORT']);
      expect(await titles('?q=report')).toEqual(['Quarterly REPORT']);
      expect(await titles('?q=bananas')).toEqual(['Groceries']);
      expect(await titles('?q=%25')).toEqual(['100% sure']);
      expect(await titles('?q=nothing-like-this')).toEqual([]);
      expect(await titles('?folder=work&q=groceries')).toEqual([]);
      expect(await titles('?createdAfter=2000-01-01&createdBefore=2999-01-01')).toHaveLength(3);
      expect(await titles(`?createdAfter=${new Date(Date.now() + 3_600_000).toISOString()}`)).toEqual([]);
      expect(await titles('?createdBefore=2000-01-01')).toEqual([]);
    });

    it('walks pages with a cursor and enforces the page-size limit', async () => {
      const first = await api('GET', '/conversations?limit=2', { token: lister.accessToken });
      expect(first.body.items).toHaveLength(2);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await api('GET', `/conversations?limit=2&cursor=${first.body.nextCursor}`, { token: lister.accessToken });
      expect(second.body.items.map((c: { title: string }) => c.title)).toEqual(['Quarterly REPORT']);
      expect(second.body.nextCursor).toBeNull();

      for (const q of ['limit=0', 'limit=101', 'limit=abc', 'cursor=garbage', 'bookmarked=maybe', 'createdAfter=yesterday', 'createdBefore=2026-13-45', 'deleted=1', 'unknown=1', 'q=a%00b', 'tag=%00', `q=${'x'.repeat(201)}`]) {
        expectProblem(await api('GET', `/conversations?${q}`, { token: lister.accessToken }), 400);
      }
      // A well-formed cursor whose id is not a UUID would otherwise reach Postgres.
      const forged = Buffer.from(JSON.stringify([new Date().toISOString(), "x' or 1=1"])).toString('base64url');
      expectProblem(await api('GET', `/conversations?cursor=${forged}`, { token: lister.accessToken }), 400);
    });
  });

  describe('soft delete and restore', () => {
    it('hides a deleted conversation, lists it under deleted=true, and restores it', async () => {
      const c = await createConversation(alice.accessToken, { title: 'To delete' });
      expect((await api('DELETE', `/conversations/${c.id}`, { token: alice.accessToken })).status).toBe(204);
      expectProblem(await api('GET', `/conversations/${c.id}`, { token: alice.accessToken }), 404);
      expectProblem(await api('PATCH', `/conversations/${c.id}`, { token: alice.accessToken, body: { title: 'x' } }), 404);
      expectProblem(await api('DELETE', `/conversations/${c.id}`, { token: alice.accessToken }), 404);
      expectProblem(await api('GET', `/conversations/${c.id}/messages`, { token: alice.accessToken }), 404);

      const live = await api('GET', '/conversations?limit=100', { token: alice.accessToken });
      expect(live.body.items.map((x: { id: string }) => x.id)).not.toContain(c.id);
      const deleted = await api('GET', '/conversations?deleted=true', { token: alice.accessToken });
      const entry = deleted.body.items.find((x: { id: string }) => x.id === c.id);
      expect(entry.deletedAt).toEqual(expect.any(String));
      expect(new Date(entry.restorableUntil).getTime() - new Date(entry.deletedAt).getTime()).toBe(30 * 24 * 3600 * 1000);

      expectProblem(await api('POST', `/conversations/${c.id}/restore`, { token: bob.accessToken }), 404);
      const restored = await api('POST', `/conversations/${c.id}/restore`, { token: alice.accessToken });
      expect(restored.status).toBe(200);
      expect(restored.body).toMatchObject({ id: c.id, deletedAt: null });
      expect((await api('GET', `/conversations/${c.id}`, { token: alice.accessToken })).status).toBe(200);
      expectProblem(await api('POST', `/conversations/${c.id}/restore`, { token: alice.accessToken }), 409);
    });

    it('refuses to restore after 30 days (410)', async () => {
      const c = await createConversation(alice.accessToken, { title: 'Old' });
      expect((await api('DELETE', `/conversations/${c.id}`, { token: alice.accessToken })).status).toBe(204);
      sql(`update conversations set deleted_at = now() - interval '31 days' where id = '${c.id}'`);
      expectProblem(await api('POST', `/conversations/${c.id}/restore`, { token: alice.accessToken }), 410);
    });
  });

  describe('share links', () => {
    it('works anonymously, shows only what existed at share time, and dies when revoked', async () => {
      const c = await createConversation(alice.accessToken, { title: 'Shared chat' });
      const first = await say(alice.accessToken, c.id, 'first message');
      await say(alice.accessToken, c.id, 'second message');

      const share = await api('POST', `/conversations/${c.id}/share`, { token: alice.accessToken });
      expect(share.status).toBe(201);
      expect(share.body).toEqual({ id: expect.any(String), token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), url: expect.stringContaining(`/api/v3/shared/${share.body.token}`), sharedUntil: expect.any(String), createdAt: expect.any(String) });
      expect(sql(`select count(*) from conversation_shares where token_hash = '${share.body.token}'`)).toBe('0');

      // Written and edited after the link was made: not visible through it.
      await say(alice.accessToken, c.id, 'third, after sharing');
      await api('PATCH', `/conversations/${c.id}/messages/${first.id}`, { token: alice.accessToken, body: { content: 'first, edited later' } });

      const view = await api('GET', `/shared/${share.body.token}`);
      expect(view.status).toBe(200);
      expect(view.body.title).toBe('Shared chat');
      expect(view.body.items.map((m: { content: string }) => m.content)).toEqual(['first message', 'second message']);
      const raw = JSON.stringify(view.body);
      for (const secret of [alice.email, alice.id, c.id, first.id]) expect(raw).not.toContain(secret);

      const page = await api('GET', `/shared/${share.body.token}?limit=1`);
      expect(page.body.items).toHaveLength(1);
      const next = await api('GET', `/shared/${share.body.token}?limit=1&cursor=${page.body.nextCursor}`);
      expect(next.body.items.map((m: { content: string }) => m.content)).toEqual(['second message']);

      const list = await api('GET', `/conversations/${c.id}/shares`, { token: alice.accessToken });
      expect(list.status).toBe(200);
      expect(list.body.items).toEqual([{ id: share.body.id, sharedUntil: share.body.sharedUntil, createdAt: share.body.createdAt, revokedAt: null, active: true }]);
      expect(JSON.stringify(list.body)).not.toContain(share.body.token);

      expectProblem(await api('DELETE', `/conversations/${c.id}/shares/${share.body.id}`, { token: bob.accessToken }), 404);
      const other = await createConversation(alice.accessToken);
      expectProblem(await api('DELETE', `/conversations/${other.id}/shares/${share.body.id}`, { token: alice.accessToken }), 404);
      expect((await api('DELETE', `/conversations/${c.id}/shares/${share.body.id}`, { token: alice.accessToken })).status).toBe(204);
      expectProblem(await api('GET', `/shared/${share.body.token}`), 404);
      const after = await api('GET', `/conversations/${c.id}/shares`, { token: alice.accessToken });
      expect(after.body.items[0]).toMatchObject({ active: false, revokedAt: expect.any(String) });
    });

    it('answers 404 for unknown and malformed tokens and for a deleted conversation', async () => {
      expectProblem(await api('GET', `/shared/${'A'.repeat(43)}`), 404);
      expectProblem(await api('GET', '/shared/short'), 404);
      expectProblem(await api('GET', `/shared/${encodeURIComponent("' or 1=1 --")}`), 404);

      const c = await createConversation(alice.accessToken);
      const share = await api('POST', `/conversations/${c.id}/share`, { token: alice.accessToken });
      expect((await api('GET', `/shared/${share.body.token}`)).status).toBe(200);
      await api('DELETE', `/conversations/${c.id}`, { token: alice.accessToken });
      expectProblem(await api('GET', `/shared/${share.body.token}`), 404);
    });
  });

  describe('export', () => {
    let cid: string;
    beforeAll(async () => {
      cid = (await createConversation(alice.accessToken, { title: 'Export <b>me</b>', systemPrompt: 'Be brief' })).id;
      await say(alice.accessToken, cid, 'Hello <script>alert("x")</script> **bold** <img src=x onerror=alert(1)>');
      await say(alice.accessToken, cid, 'second line');
    });

    it('json by default, as an attachment', async () => {
      const res = await api('GET', `/conversations/${cid}/export`, { token: alice.accessToken });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="conversation-${cid}.json"`);
      expect(res.body).toMatchObject({ id: cid, title: 'Export <b>me</b>', systemPrompt: 'Be brief' });
      expect(res.body.messages.map((m: { content: string }) => m.content)).toEqual([expect.stringContaining('<script>'), 'second line']);
    });

    it('markdown keeps the text as written', async () => {
      const res = await api('GET', `/conversations/${cid}/export?format=markdown`, { token: alice.accessToken });
      expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="conversation-${cid}.md"`);
      expect(res.body).toMatch(/^# Export <b>me<\/b>\n/);
      expect(res.body).toContain('**bold**');
      expect(res.body.indexOf('Hello')).toBeLessThan(res.body.indexOf('second line'));
    });

    it('html escapes every message and never renders Markdown', async () => {
      const res = await api('GET', `/conversations/${cid}/export?format=html`, { token: alice.accessToken });
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="conversation-${cid}.html"`);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const html = res.body as string;
      expect(html).not.toMatch(/<script|<img|<b>|<strong>/i);
      expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; **bold** &lt;img src=x onerror=alert(1)&gt;');
      expect(html).toContain('<title>Export &lt;b&gt;me&lt;/b&gt;</title>');
    });

    it('rejects unknown formats and other users', async () => {
      expectProblem(await api('GET', `/conversations/${cid}/export?format=pdf`, { token: alice.accessToken }), 400);
      expectProblem(await api('GET', `/conversations/${cid}/export?format=html`, { token: bob.accessToken }), 404);
    });
  });

  describe('fork', () => {
    it('copies the messages up to and including messageId into a new conversation', async () => {
      const src = await createConversation(alice.accessToken, { title: 'Original', folder: 'f', tags: ['t'], model: 'm', systemPrompt: 'sp' });
      const m1 = await say(alice.accessToken, src.id, 'one');
      const m2 = await say(alice.accessToken, src.id, 'two, a reply', m1.id);
      const gone = await say(alice.accessToken, src.id, 'deleted before the fork');
      await api('DELETE', `/conversations/${src.id}/messages/${gone.id}`, { token: alice.accessToken });
      const m3 = await say(alice.accessToken, src.id, 'three');
      await say(alice.accessToken, src.id, 'four, after the fork point');

      const res = await api('POST', `/conversations/${src.id}/fork`, { token: alice.accessToken, body: { messageId: m3.id } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ title: 'Original', folder: 'f', tags: ['t'], model: 'm', systemPrompt: 'sp', forkedFromId: src.id, forkedAtMessageId: m3.id, messageCount: 3 });
      expect(res.body.id).not.toBe(src.id);

      const msgs = (await api('GET', `/conversations/${res.body.id}/messages`, { token: alice.accessToken })).body.items;
      expect(msgs.map((m: { content: string }) => m.content)).toEqual(['one', 'two, a reply', 'three']);
      for (const m of msgs) expect([m1.id, m2.id, m3.id]).not.toContain(m.id);
      expect(msgs[1].parentId).toBe(msgs[0].id);
      expect(msgs.every((m: { conversationId: string; authorId: string }) => m.conversationId === res.body.id && m.authorId === alice.id)).toBe(true);

      // The source is untouched (five written, one deleted).
      expect((await api('GET', `/conversations/${src.id}`, { token: alice.accessToken })).body.messageCount).toBe(4);
      // Appears in the caller's list.
      const list = await api('GET', '/conversations?limit=100', { token: alice.accessToken });
      expect(list.body.items.map((c: { id: string }) => c.id)).toContain(res.body.id);
    });

    it('checks the message id in the body belongs to that conversation', async () => {
      const a = await createConversation(alice.accessToken);
      const other = await createConversation(alice.accessToken);
      const foreign = await say(alice.accessToken, other.id, 'in another conversation');
      expectProblem(await api('POST', `/conversations/${a.id}/fork`, { token: alice.accessToken, body: { messageId: foreign.id } }), 404);
      expectProblem(await api('POST', `/conversations/${a.id}/fork`, { token: alice.accessToken, body: { messageId: randomUUID() } }), 404);
      expectProblem(await api('POST', `/conversations/${a.id}/fork`, { token: alice.accessToken, body: {} }), 400);

      const bobs = await createConversation(bob.accessToken);
      expectProblem(await api('POST', `/conversations/${bobs.id}/fork`, { token: bob.accessToken, body: { messageId: foreign.id } }), 404);
      expectProblem(await api('POST', `/conversations/${other.id}/fork`, { token: bob.accessToken, body: { messageId: foreign.id } }), 404);
    });
  });

  describe('ownership: another user gets 404 everywhere', () => {
    it('every route on Alice\'s conversation answers Bob with 404, and changes nothing', async () => {
      const c = await createConversation(alice.accessToken, { title: 'Private' });
      const m = await say(alice.accessToken, c.id, 'secret');
      const share = await api('POST', `/conversations/${c.id}/share`, { token: alice.accessToken });
      const routes: [string, string, unknown?][] = [
        ['GET', `/conversations/${c.id}`],
        ['PATCH', `/conversations/${c.id}`, { title: 'pwned' }],
        ['DELETE', `/conversations/${c.id}`],
        ['POST', `/conversations/${c.id}/restore`],
        ['POST', `/conversations/${c.id}/share`],
        ['GET', `/conversations/${c.id}/shares`],
        ['DELETE', `/conversations/${c.id}/shares/${share.body.id}`],
        ['GET', `/conversations/${c.id}/export?format=json`],
        ['POST', `/conversations/${c.id}/fork`, { messageId: m.id }],
      ];
      for (const [method, path, body] of routes) {
        const problem = expectProblem(await api(method, path, { token: bob.accessToken, body }), 404);
        expect(problem.detail).not.toContain('Private');
      }
      const still = await api('GET', `/conversations/${c.id}`, { token: alice.accessToken });
      expect(still.body).toMatchObject({ title: 'Private', deletedAt: null });
      expect((await api('GET', `/shared/${share.body.token}`)).status).toBe(200);
      const bobsList = await api('GET', '/conversations?q=Private', { token: bob.accessToken });
      expect(bobsList.body.items).toEqual([]);
    });
  });

  describe('viewer role', () => {
    it('reads its own conversations but cannot write (403)', async () => {
      const v = await registerUser('conv-viewer');
      const c = await createConversation(v.accessToken, { title: 'Made while a member' });
      await say(v.accessToken, c.id, 'hello');
      const admin = await loginAdmin();
      expect((await api('PATCH', `/users/${v.id}`, { token: admin, body: { role: 'viewer' } })).status).toBe(200);

      expect((await api('GET', '/conversations', { token: v.accessToken })).body.items).toHaveLength(1);
      expect((await api('GET', `/conversations/${c.id}`, { token: v.accessToken })).status).toBe(200);
      expect((await api('GET', `/conversations/${c.id}/export?format=markdown`, { token: v.accessToken })).status).toBe(200);
      expect((await api('GET', `/conversations/${c.id}/shares`, { token: v.accessToken })).status).toBe(200);
      const writes: [string, string, unknown?][] = [
        ['POST', '/conversations', {}],
        ['PATCH', `/conversations/${c.id}`, { title: 'x' }],
        ['DELETE', `/conversations/${c.id}`],
        ['POST', `/conversations/${c.id}/restore`],
        ['POST', `/conversations/${c.id}/share`],
        ['POST', `/conversations/${c.id}/fork`, { messageId: randomUUID() }],
      ];
      for (const [method, path, body] of writes) expectProblem(await api(method, path, { token: v.accessToken, body }), 403);
      expect((await api('GET', `/conversations/${c.id}`, { token: v.accessToken })).body.title).toBe('Made while a member');
    });
  });
});
