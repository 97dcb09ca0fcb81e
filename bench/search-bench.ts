/**
 * Search benchmark — run on demand against a running stack (NOT a test):
 *
 *   ./dev up            # or a stack of your own; then
 *   eval "$(./dev env)" && npm run bench:search -- [--messages=100000] [--queries=200] [--lag-samples=200]
 *
 * 1. Seeds --messages messages (1,000 per conversation, words drawn from a fixed 2,000-word vocabulary
 *    with a Zipf-like skew) for a fresh user, in bulk through Postgres: the outbox triggers queue every
 *    row and the stack's own indexer workflow drains them. Prints indexing throughput (docs/s, from the
 *    seed's commit to an empty outbox).
 * 2. Index lag: --lag-samples single-message commits, paced at 20/s; commit → searchable per row from the
 *    outbox (indexed_at − created_at, the indexer marks a row after its bulk request refreshed). p50/p99.
 * 3. Search latency through the API (POST /search/messages, the caller's own 100,000 messages, one or two
 *    words, facets on): p50/p95 full-text; hybrid when the API has an embedder (else "not available").
 * 4. The same queries on the Postgres full-text engine (SEARCH_ENGINE=postgres's code, in this process,
 *    over the same rows): p50/p95.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '../shared/config/app-config';
import { mikroOrmConfig } from '../shared/persistence/mikro-orm.config';
import { createElasticsearchClient } from '../shared/search/elasticsearch';
import { ElasticsearchSearchEngine } from '../shared/search/elasticsearch-search.engine';
import { PostgresSearchEngine } from '../shared/search/postgres-search.engine';
import { DEFAULT_TENANT } from '../shared/search/search-index';
import { num } from './bench-args';

const config = loadConfig();
const API = `http://${config.API_HOST}:${config.API_PORT}/api/v3`;
const MESSAGES = num('messages', 100_000);
const QUERIES = num('queries', 200);
const LAG_SAMPLES = num('lag-samples', 200);
const PER_CONVERSATION = 1000;

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
}
const ms = (v: number) => `${v.toFixed(1)} ms`;

// A fixed vocabulary: pronounceable made-up words, deterministic across runs (syllable pairs are unique for n ≤ 6,400).
function vocabulary(n: number): string[] {
  const syllables = [...'bcdfghklmnprstvz'].flatMap((c) => [...'aeiou'].map((v) => c + v));
  return Array.from({ length: n }, (_, i) => syllables[i % 80] + syllables[Math.floor(i / 80) % 80] + syllables[(i * 7) % 80]);
}
const VOCAB = vocabulary(2000);

async function api(method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${API}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function main() {
  const orm = await MikroORM.init(mikroOrmConfig(config));
  const db = orm.em.getConnection();
  const exec = <T = Record<string, unknown>>(q: string, p: unknown[] = []) => db.execute<T[]>(q, p);

  const email = `search-bench-${Date.now()}@example.test`;
  const password = 'search bench password';
  const reg = await api('POST', '/auth/register', undefined, { email, password, name: 'Search bench' });
  if (reg.status !== 202) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.body)}`);
  const login = await api('POST', '/auth/login', undefined, { email, password });
  if (login.status !== 200) throw new Error(`login: ${login.status}`);
  const token = login.body.accessToken as string;
  const userId = (await api('GET', '/users/me', token)).body.id as string;
  console.log(`search bench: ${MESSAGES} messages for ${email} against ${API} (engine ${config.SEARCH_ENGINE})`);

  // 1. Seed in bulk through Postgres; the triggers fill the outbox in the same transactions.
  const conversations = Math.ceil(MESSAGES / PER_CONVERSATION);
  const vocabLiteral = `{${VOCAB.join(',')}}`;
  const seedStart = performance.now();
  for (let c = 0; c < conversations; c++) {
    const cid = randomUUID();
    await exec(`insert into conversations (id, owner_id, title, folder, tags, bookmarked, created_at, updated_at) values (?, ?, ?, ?, ?::jsonb, false, now(), now())`, [
      cid,
      userId,
      `Bench conversation ${c} ${VOCAB[c % VOCAB.length]}`,
      `folder-${c % 10}`,
      JSON.stringify([`tag-${c % 7}`]),
    ]);
    const n = Math.min(PER_CONVERSATION, MESSAGES - c * PER_CONVERSATION);
    // 12 words per message; power(random, 3) skews towards the head of the vocabulary (common words).
    await exec(
      `insert into messages (id, conversation_id, author_id, role, content, model, pinned, version, created_at, updated_at)
       select gen_random_uuid(), ?, case when g % 2 = 0 then ?::uuid end, case when g % 2 = 0 then 'user' else 'assistant' end,
         (select string_agg((?::text[])[1 + floor(power(random(), 3) * 2000)::int], ' ') from generate_series(1, 12) w where g > 0),
         case when g % 2 = 1 then 'bench-model' end, false, 1, now() - make_interval(secs => g), now()
       from generate_series(1, ?) g`,
      [cid, userId, vocabLiteral, n],
    );
  }
  const seededMs = performance.now() - seedStart;
  console.log(`seeded ${MESSAGES} messages in ${(seededMs / 1000).toFixed(1)} s (${Math.round(MESSAGES / (seededMs / 1000))} rows/s into Postgres)`);

  if (config.SEARCH_ENGINE === 'elasticsearch') {
    const drainStart = performance.now();
    for (;;) {
      const [{ n }] = await exec<{ n: string }>(`select count(*) as n from search_outbox where indexed_at is null`);
      if (Number(n) === 0) break;
      if (performance.now() - drainStart > 30 * 60_000) throw new Error('outbox not drained within 30 min');
      await sleep(250);
    }
    const totalS = (performance.now() - seedStart) / 1000;
    const drainS = (performance.now() - drainStart) / 1000;
    console.log(`indexing throughput: ${Math.round(MESSAGES / totalS)} docs/s (seed start → outbox empty, ${totalS.toFixed(1)} s; ${drainS.toFixed(1)} s after the seed committed)`);

    // 2. Steady-state lag: single commits, paced.
    const cid = randomUUID();
    await exec(`insert into conversations (id, owner_id, title, tags, bookmarked, created_at, updated_at) values (?, ?, 'lag probe', '[]'::jsonb, false, now(), now())`, [cid, userId]);
    const lagIds: string[] = [];
    for (let i = 0; i < LAG_SAMPLES; i++) {
      const id = randomUUID();
      lagIds.push(id);
      await exec(`insert into messages (id, conversation_id, role, content, pinned, version, created_at, updated_at) values (?, ?, 'user', ?, false, 1, now(), now())`, [id, cid, `lag probe ${i}`]);
      await sleep(50);
    }
    const lagDeadline = performance.now() + 60_000;
    let lags: number[] = [];
    while (performance.now() < lagDeadline) {
      const rows = await exec<{ lag: number | null }>(
        `select extract(epoch from indexed_at - created_at) * 1000 as lag from search_outbox where kind = 'message' and entity_id = any(?::uuid[])`,
        [`{${lagIds.join(',')}}`],
      );
      if (rows.every((r) => r.lag !== null)) {
        lags = rows.map((r) => Number(r.lag));
        break;
      }
      await sleep(200);
    }
    console.log(`index lag (commit → searchable), ${lags.length} single commits at 20/s: p50 ${ms(pct(lags, 50))}, p99 ${ms(pct(lags, 99))}, max ${ms(Math.max(...lags))}`);
  }

  // 3. Search latency through the API.
  const queries: string[] = [];
  let seed = 11;
  // xorshift32: deterministic query picks.
  const rnd = () => ((seed ^= seed << 13), (seed ^= seed >>> 17), (seed ^= seed << 5), seed >>> 0);
  for (let i = 0; i < QUERIES; i++) {
    const w1 = VOCAB[rnd() % 300];
    queries.push(i % 2 ? `${w1} ${VOCAB[rnd() % 300]}` : w1);
  }
  for (const mode of ['fulltext', 'hybrid'] as const) {
    const times: number[] = [];
    let hits = 0;
    let unavailable = '';
    for (const query of queries) {
      const t = performance.now();
      const res = await api('POST', mode === 'fulltext' ? '/search/messages' : '/search/semantic', token, { query, limit: 20, ...(mode === 'hybrid' ? { mode: 'hybrid' } : {}) });
      times.push(performance.now() - t);
      if (res.status !== 200) {
        unavailable = `${res.status} ${res.body?.detail ?? ''}`;
        break;
      }
      hits += res.body.total;
    }
    if (unavailable) console.log(`search ${mode} (API): not available (${unavailable})`);
    else console.log(`search ${mode} (API, ${QUERIES} queries over ${MESSAGES} messages): p50 ${ms(pct(times, 50))}, p95 ${ms(pct(times, 95))}, mean hits ${Math.round(hits / QUERIES)}`);
  }

  // 3b. The engine alone (no HTTP, auth, query log): Elasticsearch, fuzzy (the API's default) and exact.
  const scope = { userId, role: 'member', tenantId: DEFAULT_TENANT, seeUsers: false, seeTools: false, seeAllTools: false };
  const fulltext = (text: string, fuzzy: boolean) => ({ text, kinds: ['message' as const], filters: {}, sort: 'relevance' as const, limit: 20, fuzzy, facets: true, mode: 'fulltext' as const });
  if (config.SEARCH_ENGINE === 'elasticsearch') {
    const es = new ElasticsearchSearchEngine(createElasticsearchClient(config.ELASTICSEARCH_URL), config.SEARCH_INDEX_PREFIX);
    for (const fuzzy of [true, false]) {
      const times: number[] = [];
      for (const query of queries) {
        const t = performance.now();
        await es.search(scope, fulltext(query, fuzzy));
        times.push(performance.now() - t);
      }
      console.log(`search fulltext (Elasticsearch engine in-process, fuzzy=${fuzzy}): p50 ${ms(pct(times, 50))}, p95 ${ms(pct(times, 95))}`);
    }
  }

  // 4. The same queries on Postgres full-text (the fallback engine's code, in-process).
  const pg = new PostgresSearchEngine(() => orm.em.fork());
  const pgTimes: number[] = [];
  for (const query of queries) {
    const t = performance.now();
    await pg.search(scope, fulltext(query, false));
    pgTimes.push(performance.now() - t);
  }
  console.log(`search fulltext (Postgres websearch_to_tsquery + GIN, in-process): p50 ${ms(pct(pgTimes, 50))}, p95 ${ms(pct(pgTimes, 95))}`);
  await orm.close(true);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
