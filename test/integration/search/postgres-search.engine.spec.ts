import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '../../../shared/config/app-config';
import { mikroOrmConfig } from '../../../shared/persistence/mikro-orm.config';
import { PostgresSearchEngine } from '../../../shared/search/postgres-search.engine';
import type { SearchQuery, SearchScope } from '../../../shared/search/search-engine';

// SEARCH_ENGINE=postgres's engine against the stack's real Postgres (the GIN expression indexes of
// Migration20261202100100): the same access rules as Elasticsearch, inside the SQL.

const word = () => `zq${randomUUID().replace(/[^a-f]/g, '').slice(0, 8)}`;

describe('PostgresSearchEngine', () => {
  let orm: MikroORM;
  let engine: PostgresSearchEngine;
  const alice = randomUUID();
  const bob = randomUUID();
  const w = word();
  const [c1, c2, cb] = [randomUUID(), randomUUID(), randomUUID()];
  const [m1, m2, m3, mb] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const scope = (userId: string): SearchScope => ({ userId, role: 'member', tenantId: 'default', seeUsers: false, seeTools: false, seeAllTools: false });
  const query = (text: string, extra: Partial<SearchQuery> = {}): SearchQuery => ({ text, kinds: ['conversation', 'message'], filters: {}, sort: 'relevance', limit: 10, fuzzy: false, facets: true, mode: 'fulltext', ...extra });

  beforeAll(async () => {
    orm = await MikroORM.init(mikroOrmConfig(loadConfig()));
    engine = new PostgresSearchEngine(() => orm.em.fork());
    const x = (q: string, p: unknown[]) => orm.em.getConnection().execute(q, p);
    for (const [id, name] of [[alice, 'alice'], [bob, 'bob']]) await x(`insert into users (id, email, name, role, status, mfa_enabled, created_at, updated_at) values (?, ?, ?, 'member', 'active', false, now(), now())`, [id, `${name}-${id}@example.test`, name]);
    await x(`insert into conversations (id, owner_id, title, folder, tags, bookmarked, created_at, updated_at) values (?, ?, ?, 'work', '["plans"]', false, now(), now()), (?, ?, 'other', null, '[]', false, now(), now()), (?, ?, ?, 'work', '["plans"]', false, now(), now())`, [c1, alice, `Planning ${w}`, c2, alice, cb, bob, `Bob ${w}`]);
    await x(
      `insert into messages (id, conversation_id, role, content, model, pinned, version, created_at, updated_at) values
       (?, ?, 'user', ?, null, false, 1, now() - interval '2 minutes', now()), (?, ?, 'assistant', ?, 'gpt-test', false, 1, now() - interval '1 minute', now()),
       (?, ?, 'user', ?, null, false, 1, now(), now()), (?, ?, 'user', ?, null, false, 1, now(), now())`,
      [m1, c1, `the ${w} launch <b>plan</b>`, m2, c1, `drafting the ${w} launches`, m3, c2, 'nothing relevant', mb, cb, `bob talks about ${w}`],
    );
    await x(`update messages set deleted_at = now() where id = ?`, [m3]);
  });

  afterAll(async () => {
    await orm.em.getConnection().execute(`delete from users where id in (?, ?)`, [alice, bob]);
    await orm.close(true);
  });

  it('finds the caller\'s messages and conversations, stemmed, with highlight offsets and kind counts', async () => {
    const r = await engine.search(scope(alice), query(`${w} launch`));
    expect(new Set(r.hits.map((h) => h.id))).toEqual(new Set([m1, m2]));
    expect(r.total).toBe(2);
    expect(r.facets.kind).toEqual([{ value: 'message', count: 2 }]);
    const hl = r.hits.find((h) => h.id === m1)!.highlights[0];
    expect(hl.text).toContain(w);
    expect(hl.ranges.map((x) => hl.text.slice(x.start, x.end))).toEqual(expect.arrayContaining([w, 'launch']));
  });

  it('never returns another user\'s rows, in hits or counts', async () => {
    const r = await engine.search(scope(alice), query(w));
    expect(r.hits.map((h) => h.id)).not.toContain(mb);
    expect(r.hits.map((h) => h.id)).not.toContain(cb);
    expect(r.total).toBe(3);
    const b = await engine.search(scope(bob), query(w));
    expect(new Set(b.hits.map((h) => h.id))).toEqual(new Set([mb, cb]));
  });

  it('filters by role, model, folder, tag, conversation and dates; sorts; pages by offset', async () => {
    const ids = async (extra: Partial<SearchQuery>) => (await engine.search(scope(alice), query(w, { kinds: ['message'], ...extra }))).hits.map((h) => h.id);
    expect(await ids({ filters: { role: 'assistant' } })).toEqual([m2]);
    expect(await ids({ filters: { model: 'gpt-test' } })).toEqual([m2]);
    expect((await ids({ filters: { folder: 'work', tag: 'plans', conversationId: c1 } })).sort()).toEqual([m1, m2].sort());
    expect(await ids({ filters: { from: new Date(Date.now() + 60_000) } })).toEqual([]);
    expect(await ids({ sort: 'newest' })).toEqual([m2, m1]);
    const first = await engine.search(scope(alice), query(w, { kinds: ['message'], sort: 'oldest', limit: 1 }));
    expect(first.hits.map((h) => h.id)).toEqual([m1]);
    const second = await engine.search(scope(alice), query(w, { kinds: ['message'], sort: 'oldest', limit: 1, after: first.last! }));
    expect(second.hits.map((h) => h.id)).toEqual([m2]);
    expect(second.last).toBeNull();
  });

  it('suggests the caller\'s own titles by prefix', async () => {
    expect(await engine.suggest(scope(alice), 'Plann', 10)).toEqual(expect.arrayContaining([{ text: `Planning ${w}`, kind: 'conversation', id: c1 }]));
    expect((await engine.suggest(scope(bob), 'Plann', 10)).map((s) => s.id)).not.toContain(c1);
  });
});
