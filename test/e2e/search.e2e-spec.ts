import { randomUUID } from 'node:crypto';
import { loginAdmin, registerUser, TestAccount } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';
import { sql } from '../support/db';

// Against the real stack: Postgres triggers → outbox → indexer workflow → Elasticsearch (started by ./dev).
const ES = process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200';
const INDEX = 'gw-search';
/** The bound the spec holds the indexer to (commit → searchable); the measured figure is printed. */
const LAG_DEADLINE_MS = 10_000;
const describeEs = process.env.SEARCH_ENGINE === 'postgres' ? describe.skip : describe;

/** A made-up word unique to this run (letters only, so the standard analyzer keeps it one token). */
function word(stem: string): string {
  const letters = 'bcdfghjklmnpqrstvwxz';
  let tail = '';
  for (const b of randomUUID().replace(/-/g, '').slice(0, 6)) tail += letters[parseInt(b, 16) % letters.length];
  return `${stem}${tail}`;
}
/** Two adjacent letters swapped in the middle: one edit for fuzzy matching. */
const typo = (w: string) => `${w.slice(0, 3)}${w[4]}${w[3]}${w.slice(5)}`;

async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, deadlineMs = LAG_DEADLINE_MS): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  let value = await probe();
  while (!ok(value)) {
    if (Date.now() - started > deadlineMs) throw new Error(`not within ${deadlineMs} ms: ${JSON.stringify(value).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 50));
    value = await probe();
  }
  return { value, ms: Date.now() - started };
}

interface Hit {
  score?: number | null;
  kind: string;
  id: string;
  title: string;
  conversationId: string | null;
  role: string | null;
  model: string | null;
  highlights: { field: string; text: string; ranges: { start: number; end: number }[] }[];
}
interface Page {
  mode?: string;
  items: Hit[];
  total: number;
  facets: Record<string, { value: string; count: number }[]>;
  didYouMean: string | null;
  nextCursor: string | null;
}

const search = async (token: string, route: string, body: object) => {
  const res = await api<Page>('POST', `/search${route}`, { token, body });
  if (res.status !== 200) throw new Error(`search ${route} ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};
const ids = (p: Page) => p.items.map((h) => h.id);

async function conversation(token: string, body: object): Promise<string> {
  const res = await api('POST', '/conversations', { token, body });
  expect(res.status).toBe(201);
  return res.body.id;
}
async function say(token: string, cid: string, content: string): Promise<string> {
  const res = await api('POST', `/conversations/${cid}/messages`, { token, body: { content } });
  expect(res.status).toBe(201);
  return res.body.id;
}
async function es(method: string, path: string, body?: object) {
  const res = await fetch(`${ES}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describeEs('search (Elasticsearch)', () => {
  let alice: TestAccount;
  let bob: TestAccount;
  let carol: TestAccount;
  let admin: string;
  const W = { mountain: word('mountain'), train: word('railway'), budget: word('ledger'), holiday: word('holiday'), flow: word('nightly'), bobOnly: word('walrus'), quarter: word('quarterly') };
  let a1: string;
  let a2: string;
  let b1: string;
  let mTrain: string;
  let mMountain: string;
  let mAssistant: string;
  let mBudget: string;
  let mBob: string;
  let mHtml: string;
  const specStarted = new Date();

  beforeAll(async () => {
    [alice, bob, carol] = await Promise.all([registerUser('search-alice'), registerUser('search-bob'), registerUser('search-carol')]);
    admin = await loginAdmin();
    a1 = await conversation(alice.accessToken, { title: `${W.quarter} holiday planning ${W.holiday}`, folder: 'travel', tags: ['trip'] });
    a2 = await conversation(alice.accessToken, { title: `Budget ${W.budget}`, folder: 'work', tags: ['finance'] });
    b1 = await conversation(bob.accessToken, { title: `${W.quarter} bob secret ${W.holiday}`, folder: 'travel', tags: ['trip', 'bobtag'] });
    mMountain = await say(alice.accessToken, a1, `We should visit the ${W.mountain} range in spring`);
    mTrain = await say(alice.accessToken, a1, `Book the ${W.train} to the coast`);
    mBudget = await say(alice.accessToken, a2, `quarterly ${W.mountain} budget ${W.budget} review`);
    mHtml = await say(alice.accessToken, a2, `<script>alert(1)</script> ${W.budget} <b>bold</b>`);
    mBob = await say(bob.accessToken, b1, `${W.mountain} private notes of bob ${W.bobOnly}`);
    // An assistant reply as chat-turn persistence writes it (raw SQL, not the ORM): the trigger catches it too.
    mAssistant = randomUUID();
    await sql(`insert into messages (id, conversation_id, role, content, model, created_at, updated_at) values (?, ?, 'assistant', ?, 'gpt-test', now(), now())`, [
      mAssistant,
      a1,
      `The ${W.mountain} range is lovely in April`,
    ]);
    const wf = await api('POST', '/workflows', { token: alice.accessToken, body: { source: `name: ${W.flow} report\nnodes:\n  - id: nap\n    type: wait\n    duration: 5m\n` } });
    expect(wf.status).toBe(201);
    // Everything above is searchable within the lag bound.
    const { ms } = await eventually(
      () => search(alice.accessToken, '', { query: W.mountain }),
      (p) => p.total === 3,
    );
    await eventually(() => search(alice.accessToken, '', { query: W.flow }), (p) => p.total >= 1);
    console.log(`search spec: seed indexed within ${ms} ms`);
  });

  describe('full-text with access control inside the query', () => {
    it('finds only the caller\'s messages: hits, counts and facets never include another user\'s', async () => {
      const p = await search(alice.accessToken, '/messages', { query: W.mountain });
      expect(new Set(ids(p))).toEqual(new Set([mMountain, mBudget, mAssistant]));
      expect(p.total).toBe(3);
      expect(p.facets.role.reduce((n, b) => n + b.count, 0)).toBe(3);
      expect(p.facets.tags.map((b) => b.value)).not.toContain('bobtag');
      const bobs = await search(bob.accessToken, '/messages', { query: W.mountain });
      expect(ids(bobs)).toEqual([mBob]);
      expect(bobs.total).toBe(1);
      expect(bobs.facets.folder).toEqual([{ value: 'travel', count: 1 }]);
    });

    it('filters by conversation, folder, tag, role, model and date range', async () => {
      const q = { query: W.mountain };
      expect(ids(await search(alice.accessToken, '/messages', { ...q, conversationId: a2 }))).toEqual([mBudget]);
      expect(ids(await search(alice.accessToken, '/messages', { ...q, folder: 'work' }))).toEqual([mBudget]);
      expect(new Set(ids(await search(alice.accessToken, '/messages', { ...q, tag: 'trip' })))).toEqual(new Set([mMountain, mAssistant]));
      expect(ids(await search(alice.accessToken, '/messages', { ...q, role: 'assistant' }))).toEqual([mAssistant]);
      expect(ids(await search(alice.accessToken, '/messages', { ...q, model: 'gpt-test' }))).toEqual([mAssistant]);
      expect((await search(alice.accessToken, '/messages', { ...q, from: new Date(Date.now() + 86_400_000).toISOString() })).total).toBe(0);
      expect((await search(alice.accessToken, '/messages', { ...q, from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() })).total).toBe(3);
      // Another user's conversation id as a filter finds nothing (no probing through filters).
      expect((await search(alice.accessToken, '/messages', { ...q, conversationId: b1 })).total).toBe(0);
    });

    it('matches with typos (fuzzy), and not when fuzzy=false', async () => {
      expect(ids(await search(alice.accessToken, '/messages', { query: typo(W.train) }))).toEqual([mTrain]);
      expect((await search(alice.accessToken, '/messages', { query: typo(W.train), fuzzy: false })).total).toBe(0);
    });

    it('highlights as plain text with offsets, never as HTML', async () => {
      const p = await search(alice.accessToken, '/messages', { query: W.budget, conversationId: a2 });
      const html = p.items.find((h) => h.id === mHtml)!;
      const hl = html.highlights.find((h) => h.field === 'content')!;
      expect(hl.text).toContain('<script>alert(1)</script>');
      expect(hl.ranges).toHaveLength(1);
      expect(hl.text.slice(hl.ranges[0].start, hl.ranges[0].end)).toBe(W.budget);
      expect(JSON.stringify(p)).not.toContain('<em>');
    });

    it('sorts by date', async () => {
      const newest = await search(alice.accessToken, '/messages', { query: W.mountain, sort: 'newest' });
      const oldest = await search(alice.accessToken, '/messages', { query: W.mountain, sort: 'oldest' });
      expect(ids(newest)).toEqual([...ids(oldest)].reverse());
      expect(ids(oldest)[0]).toBe(mMountain);
    });

    it('searches conversations by title, and the universal route covers workflows and tools', async () => {
      expect(ids(await search(alice.accessToken, '/conversations', { query: W.holiday }))).toEqual([a1]);
      expect(ids(await search(bob.accessToken, '/conversations', { query: W.holiday }))).toEqual([b1]);
      const all = await search(alice.accessToken, '', { query: W.flow });
      expect(all.items.map((h) => [h.kind, h.title])).toEqual([['workflow', `${W.flow} report`]]);
      expect((await search(bob.accessToken, '', { query: W.flow })).total).toBe(0);
      const tools = await search(alice.accessToken, '', { query: 'calculator', kinds: ['tool'] });
      expect(tools.items.map((h) => [h.kind, h.title])).toContainEqual(['tool', 'calculator']);
      const mixed = await search(alice.accessToken, '', { query: W.budget });
      expect(mixed.facets.kind).toEqual(expect.arrayContaining([{ value: 'message', count: 2 }, { value: 'conversation', count: 1 }]));
    });

    it('searches users only for holders of users:read', async () => {
      expectProblem(await api('POST', '/search/users', { token: alice.accessToken, body: { query: 'search' } }), 403);
      expectProblem(await api('POST', '/search', { token: alice.accessToken, body: { query: 'search', kinds: ['user'] } }), 403);
      expect((await search(alice.accessToken, '', { query: alice.email.split('@')[0] })).items.filter((h) => h.kind === 'user')).toEqual([]);
      const found = await search(admin, '/users', { query: alice.email.split('@')[0], fuzzy: false });
      expect(ids(found)).toContain(alice.id);
    });

    it('offers "did you mean" only from words the caller may see', async () => {
      const p = await search(alice.accessToken, '/messages', { query: typo(W.mountain), fuzzy: false });
      expect(p.total).toBe(0);
      expect(p.didYouMean).toBe(W.mountain);
      // Bob's word is in the index, but not in anything Alice may see.
      expect((await search(alice.accessToken, '/messages', { query: typo(W.bobOnly), fuzzy: false })).didYouMean).toBeNull();
      expect((await search(bob.accessToken, '/messages', { query: typo(W.bobOnly), fuzzy: false })).didYouMean).toBe(W.bobOnly);
    });
  });

  describe('semantic and hybrid (local embedder, vectors in Elasticsearch)', () => {
    let cat: string;
    let bobCat: string;
    let cid: string;
    beforeAll(async () => {
      cid = await conversation(alice.accessToken, { title: 'pets' });
      cat = await say(alice.accessToken, cid, 'The cat slept all afternoon curled up on the living-room carpet');
      await say(alice.accessToken, cid, 'Quarterly revenue grew by twelve percent compared to last year');
      await say(alice.accessToken, cid, 'Remember to renew the car insurance before the end of the month');
      bobCat = await say(bob.accessToken, b1, 'My cat sleeps on the carpet all day long');
    });

    it('finds by meaning what full-text cannot, only among the caller\'s own vectors', async () => {
      const query = 'a kitten napping on a rug';
      expect((await search(alice.accessToken, '/messages', { query })).total).toBe(0);
      const { value } = await eventually(() => search(alice.accessToken, '/semantic', { query }), (p) => p.items.length > 0 && p.items[0].id === cat);
      expect(value).toMatchObject({ mode: 'semantic' });
      expect(ids(value)).not.toContain(bobCat);
      expect(value.items.every((h) => ['message', 'conversation'].includes(h.kind))).toBe(true);
      // Vectors follow full-text (the embedding phase): wait for Bob's to land too.
      const bobs = await eventually(() => search(bob.accessToken, '/semantic', { query }), (p) => p.items[0]?.id === bobCat);
      expect(ids(bobs.value)).not.toContain(cat);
    });

    it('fuses BM25 and kNN by reciprocal rank in hybrid mode', async () => {
      const p = await search(alice.accessToken, '', { query: `${W.mountain} range`, mode: 'hybrid', kinds: ['message'] });
      expect(p).toMatchObject({ mode: 'hybrid' });
      // A document first in both lists scores 2/61 at most; everything below it less.
      expect(p.items[0].score!).toBeLessThanOrEqual(2 / 61 + 1e-9);
      expect(ids(p).slice(0, 3).sort()).toEqual([mMountain, mBudget, mAssistant].sort());
      expect(p.items.find((h) => h.id === mMountain)!.highlights.length).toBeGreaterThan(0);
      expect(ids(p)).not.toContain(mBob);
      const semanticOnly = await search(alice.accessToken, '/semantic', { query: 'a kitten napping on a rug', mode: 'hybrid' });
      expect(ids(semanticOnly)).toContain(cat);
      expectProblem(await api('POST', '/search/semantic', { token: alice.accessToken, body: { query: 'x', from: new Date().toISOString() } }), 400);
    });

    it('drops a deleted message\'s vector', async () => {
      expect((await api('DELETE', `/conversations/${cid}/messages/${cat}`, { token: alice.accessToken })).status).toBe(204);
      await eventually(() => search(alice.accessToken, '/semantic', { query: 'a kitten napping on a rug' }), (p) => !ids(p).includes(cat));
      const [{ n }] = await sql<{ n: string }>('select count(*) as n from messages where id = ? and deleted_at is not null', [cat]);
      expect(Number(n)).toBe(1);
    });
  });

  describe('suggestions, trending, analytics', () => {
    it('completes from the caller\'s own titles only', async () => {
      const mine = await api('GET', `/search/suggestions?q=${W.quarter.slice(0, 12)}`, { token: alice.accessToken });
      expect(mine.status).toBe(200);
      expect(mine.body.items).toEqual([{ text: `${W.quarter} holiday planning ${W.holiday}`, kind: 'conversation', id: a1 }]);
      const bobs = await api('GET', `/search/suggestions?q=${W.quarter.slice(0, 12)}`, { token: bob.accessToken });
      expect(bobs.body.items.map((s: { id: string }) => s.id)).toEqual([b1]);
      const wf = await api('GET', `/search/suggestions?q=${W.flow.slice(0, 8)}`, { token: alice.accessToken });
      expect(wf.body.items).toEqual([expect.objectContaining({ kind: 'workflow', text: `${W.flow} report` })]);
      expectProblem(await api('GET', '/search/suggestions?q=', { token: alice.accessToken }), 400);
    });

    it('trends queries enough distinct users issued, never one user\'s private query', async () => {
      const shared = word('trendy');
      const secret = word('secret');
      for (const u of [alice, bob, carol]) await search(u.accessToken, '', { query: shared });
      await search(alice.accessToken, '', { query: secret });
      await search(alice.accessToken, '', { query: secret });
      const bobs = await api('GET', '/search/trending', { token: bob.accessToken });
      expect(bobs.status).toBe(200);
      expect(bobs.body.popular.map((q: { query: string }) => q.query)).toContain(shared);
      expect(JSON.stringify(bobs.body)).not.toContain(secret);
      const alices = await api('GET', '/search/trending', { token: alice.accessToken });
      expect(alices.body.mine).toEqual(expect.arrayContaining([{ query: secret, count: 2 }]));
    });

    it('reports query volume, zero-result queries, latency and index lag to admins', async () => {
      expectProblem(await api('GET', '/search/analytics', { token: alice.accessToken }), 403);
      const res = await api('GET', '/search/analytics', { token: admin });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ engine: 'elasticsearch', queries: expect.any(Number), zeroResultQueries: expect.any(Number) });
      expect(res.body.queries).toBeGreaterThan(10);
      expect(res.body.zeroResultQueries).toBeGreaterThan(0);
      expect(res.body.latencyP95Ms).toBeGreaterThan(0);
      expect(res.body.indexLag).toMatchObject({ samples: expect.any(Number), p50Ms: expect.any(Number), p99Ms: expect.any(Number) });
      expect(res.body.indexLag.samples).toBeGreaterThan(0);
      // Rows written before the indexer first started (boot) wait for it; the spec's own writes are held to the bound.
      const [own] = await sql<{ p99: number; n: string }>(
        `select percentile_cont(0.99) within group (order by extract(epoch from indexed_at - created_at) * 1000) as p99, count(*) as n
         from search_outbox where indexed_at is not null and created_at >= ?`,
        [specStarted],
      );
      expect(Number(own.n)).toBeGreaterThan(10);
      expect(Number(own.p99)).toBeLessThan(LAG_DEADLINE_MS);
      console.log(`search spec: index lag over this spec's ${own.n} outbox rows p99 ${Math.round(Number(own.p99))} ms (all rows incl. boot: p50 ${res.body.indexLag.p50Ms} ms, p99 ${res.body.indexLag.p99Ms} ms); query p50 ${res.body.latencyP50Ms} ms, p95 ${res.body.latencyP95Ms} ms`);
    });
  });

  describe('paging', () => {
    it('walks signed cursors without gaps or repeats, and refuses forged or foreign ones', async () => {
      const w = word('pager');
      const cid = await conversation(alice.accessToken, { title: 'pages' });
      const made = [];
      for (let i = 0; i < 5; i++) made.push(await say(alice.accessToken, cid, `${w} number ${i}`));
      await eventually(() => search(alice.accessToken, '/messages', { query: w }), (p) => p.total === 5);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const p: Page = await search(alice.accessToken, '/messages', { query: w, limit: 2, sort: 'newest', ...(cursor ? { cursor } : {}) });
        seen.push(...ids(p));
        cursor = p.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([...made].reverse());
      const first = await search(alice.accessToken, '/messages', { query: w, limit: 2 });
      const forged = `${first.nextCursor!.split('.')[0]}x.${first.nextCursor!.split('.')[1]}`;
      expectProblem(await api('POST', '/search/messages', { token: alice.accessToken, body: { query: w, limit: 2, cursor: forged } }), 400);
      expectProblem(await api('POST', '/search/messages', { token: alice.accessToken, body: { query: 'other', limit: 2, cursor: first.nextCursor } }), 400);
      expectProblem(await api('POST', '/search/messages', { token: bob.accessToken, body: { query: w, limit: 2, cursor: 'garbage' } }), 400);
    });

    it('rejects bad input with a problem', async () => {
      for (const body of [{}, { query: '' }, { query: 'x', limit: 51 }, { query: 'x', kinds: ['bogus'] }, { query: 'x', sort: 'random' }, { query: 'x', from: 'yesterday' }, { query: 'x', extra: 1 }, { query: 'x'.repeat(501) }]) {
        expectProblem(await api('POST', '/search', { token: alice.accessToken, body }), 400);
      }
      expectProblem(await api('POST', '/search', { body: { query: 'x' } }), 401);
    });
  });

  describe('indexing as durable work', () => {
    it('finds an edited message by its new text and loses a deleted one, within the lag', async () => {
      const fresh = word('edited');
      const edit = await api('PATCH', `/conversations/${a1}/messages/${mTrain}`, { token: alice.accessToken, body: { content: `Book the ${fresh} instead` } });
      expect(edit.status).toBe(200);
      const found = await eventually(() => search(alice.accessToken, '/messages', { query: fresh, fuzzy: false }), (p) => ids(p).includes(mTrain));
      expect((await search(alice.accessToken, '/messages', { query: W.train, fuzzy: false })).total).toBe(0);
      expect((await api('DELETE', `/conversations/${a1}/messages/${mTrain}`, { token: alice.accessToken })).status).toBe(204);
      const gone = await eventually(() => search(alice.accessToken, '/messages', { query: fresh, fuzzy: false }), (p) => p.total === 0);
      console.log(`search spec: edit searchable after ${found.ms} ms, delete gone after ${gone.ms} ms`);
    });

    it('hides a soft-deleted conversation\'s messages and brings them back on restore', async () => {
      expect((await api('DELETE', `/conversations/${a2}`, { token: alice.accessToken })).status).toBe(204);
      await eventually(() => search(alice.accessToken, '', { query: W.budget }), (p) => p.total === 0);
      expect((await api('POST', `/conversations/${a2}/restore`, { token: alice.accessToken })).status).toBe(200);
      await eventually(() => search(alice.accessToken, '', { query: W.budget }), (p) => p.total === 3);
    });

    it('carries a rename and retag into the conversation\'s messages', async () => {
      const renamed = word('renamed');
      expect((await api('PATCH', `/conversations/${a2}`, { token: alice.accessToken, body: { title: renamed, tags: ['moved'], folder: 'archive' } })).status).toBe(200);
      await eventually(() => search(alice.accessToken, '/messages', { query: W.budget, tag: 'moved', folder: 'archive' }), (p) => p.total === 2);
      expect((await search(alice.accessToken, '/conversations', { query: renamed })).items.map((h) => h.id)).toEqual([a2]);
    });

    it('reconciliation repairs an index corrupted on purpose (missing, altered and extra documents)', async () => {
      const ghost = randomUUID();
      const ghostWord = word('ghost');
      expect((await es('DELETE', `/${INDEX}/_doc/message:${mMountain}?refresh=true`)).status).toBe(200);
      const altered = await es('GET', `/${INDEX}/_doc/message:${mBudget}`);
      expect((await es('PUT', `/${INDEX}/_doc/message:${mBudget}?refresh=true`, { ...altered.body._source, content: `tampered ${ghostWord}` })).status).toBe(200);
      const now = new Date().toISOString();
      const extra = { kind: 'message', id: ghost, tenantId: 'default', ownerId: alice.id, title: 'ghost', content: `ghost ${ghostWord}`, createdAt: now, updatedAt: now };
      expect((await es('PUT', `/${INDEX}/_doc/message:${ghost}?refresh=true`, extra)).status).toBe(201);
      // Corrupted: the deleted one is not found, the altered and the extra are.
      expect(ids(await search(alice.accessToken, '/messages', { query: W.mountain }))).not.toContain(mMountain);
      expect((await search(alice.accessToken, '/messages', { query: ghostWord, fuzzy: false })).total).toBe(2);

      const run = await api('POST', '/search/reconcile', { token: admin });
      expect(run.status).toBe(200);
      expect(run.body.status).toBe('completed');
      expect(run.body.byKind.message.missing).toBeGreaterThanOrEqual(1);
      expect(run.body.byKind.message.stale).toBeGreaterThanOrEqual(1);
      expect(run.body.byKind.message.extra).toBeGreaterThanOrEqual(1);
      await eventually(() => search(alice.accessToken, '/messages', { query: W.mountain }), (p) => ids(p).includes(mMountain) && ids(p).includes(mBudget));
      await eventually(() => search(alice.accessToken, '/messages', { query: ghostWord, fuzzy: false }), (p) => p.total === 0);
      // A second pass finds nothing left to repair in what Alice owns.
      expectProblem(await api('POST', '/search/reconcile', { token: alice.accessToken }), 403);
    });

    it('rebuilds into a new index version and swaps the alias with no downtime', async () => {
      const before = Object.keys((await es('GET', `/_alias/${INDEX}`)).body);
      let stop = false;
      const probes: number[] = [];
      const prober = (async () => {
        while (!stop) probes.push((await search(alice.accessToken, '/messages', { query: W.mountain })).total);
      })();
      const run = await api('POST', '/search/reindex', { token: admin });
      stop = true;
      await prober;
      expect(run.status).toBe(200);
      expect(run.body).toMatchObject({ status: 'completed', previousIndex: before[0] });
      expect(run.body.index).not.toBe(before[0]);
      expect(Object.keys((await es('GET', `/_alias/${INDEX}`)).body)).toEqual([run.body.index]);
      expect((await es('HEAD', `/${before[0]}`)).status).toBe(404);
      expect(probes.length).toBeGreaterThan(0);
      expect(probes.every((n) => n === 3)).toBe(true);
      expect(new Set(ids(await search(alice.accessToken, '/messages', { query: W.mountain })))).toEqual(new Set([mMountain, mBudget, mAssistant]));
    });
  });
});
