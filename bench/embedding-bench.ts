/**
 * Embedding model benchmark — which local sentence model is the default Embedder. Run on demand (NOT a test):
 *
 *   npx tsx bench/embedding-bench.ts --models=.tools/models/all-minilm-l6-v2[,other-model-dir...] [--threads=1]
 *                                    [--prefix=e5-small-v2-int8:query: |passage: ]
 *
 * Each model runs in a fresh child process (load time and RSS are its own) through the gateway's LocalEmbedder:
 *   - quality on bench/fixtures/embedding-retrieval.json (100 short passages, 31 paraphrased queries, one relevant
 *     passage each): recall@1, recall@5 and MRR by cosine over all passages;
 *   - speed: ms per text embedding queries one at a time (batch 1) and passages 16 at a time (batch 16);
 *   - load ms and RSS after the run;
 *   - with --redis=<url> (default REDIS_URL): ms per text of the Redis embedding cache, a cold pass (all misses) over
 *     the passages and a warm pass (all hits).
 * Models trained with role prefixes (e5: "query: " / "passage: ") get them via --prefix=<dir name>:<query>|<passage>.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import { CachedEmbedder } from '../shared/embeddings/cached-embedder';
import { LocalEmbedder } from '../shared/embeddings/local-embedder';
import { argOf, num } from './bench-args';

interface Fixture {
  passages: { id: string; text: string }[];
  queries: { query: string; relevant: string[] }[];
}

interface Result {
  model: string;
  loadMs: number;
  recall1: number;
  recall5: number;
  mrr: number;
  msBatch1: number;
  msBatch16: number;
  rssMb: number;
  dims: number;
  cacheColdMs?: number;
  cacheWarmMs?: number;
}

const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures/embedding-retrieval.json'), 'utf8')) as Fixture;

function prefixesOf(model: string): [string, string] {
  for (const spec of argOf('prefix', 'e5-small-v2-int8:query: |passage: ').split(',')) {
    const at = spec.indexOf(':');
    if (spec.slice(0, at) === model) {
      const [query, passage] = spec.slice(at + 1).split('|');
      return [query ?? '', passage ?? ''];
    }
  }
  return ['', ''];
}

async function runOne(modelPath: string, threads: number): Promise<Result> {
  const embedder = new LocalEmbedder({ modelPath, threads, batchSize: 16 });
  const [queryPrefix, passagePrefix] = prefixesOf(basename(modelPath));
  const loadStart = performance.now();
  await embedder.embed(['warm up']);
  const loadMs = performance.now() - loadStart;

  const t16 = performance.now();
  const passages = (await embedder.embed(fixture.passages.map((p) => passagePrefix + p.text))).vectors;
  const msBatch16 = (performance.now() - t16) / fixture.passages.length;

  const t1 = performance.now();
  const queries: number[][] = [];
  for (const q of fixture.queries) queries.push((await embedder.embed([queryPrefix + q.query])).vectors[0]);
  const msBatch1 = (performance.now() - t1) / fixture.queries.length;

  let hit1 = 0;
  let hit5 = 0;
  let rr = 0;
  fixture.queries.forEach((q, i) => {
    const ranked = passages
      .map((v, j) => ({ id: fixture.passages[j].id, score: dot(v, queries[i]) }))
      .sort((a, b) => b.score - a.score)
      .map((r) => r.id);
    const rank = ranked.findIndex((id) => q.relevant.includes(id));
    if (rank === 0) hit1++;
    if (rank >= 0 && rank < 5) hit5++;
    if (rank >= 0) rr += 1 / (rank + 1);
  });
  const n = fixture.queries.length;
  const cache = await cacheFigures(embedder, fixture.passages.map((p) => passagePrefix + p.text));
  return {
    ...cache,
    model: basename(modelPath),
    loadMs,
    recall1: hit1 / n,
    recall5: hit5 / n,
    mrr: rr / n,
    msBatch1,
    msBatch16,
    rssMb: process.memoryUsage().rss / 2 ** 20,
    dims: passages[0].length,
  };
}

async function cacheFigures(embedder: LocalEmbedder, texts: string[]): Promise<{ cacheColdMs?: number; cacheWarmMs?: number }> {
  const url = argOf('redis', process.env.REDIS_URL ?? '');
  if (!url) return {};
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  const prefix = `emb-bench-${process.pid}:`;
  try {
    const cached = new CachedEmbedder(embedder, redis, { keyPrefix: prefix, ttlSeconds: 300 });
    const cold = performance.now();
    await cached.embed(texts);
    const cacheColdMs = (performance.now() - cold) / texts.length;
    const warm = performance.now();
    await cached.embed(texts);
    return { cacheColdMs, cacheWarmMs: (performance.now() - warm) / texts.length };
  } finally {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
}

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

async function main() {
  const threads = num('threads', 1);
  const one = argOf('one', '');
  if (one) {
    process.stdout.write(`RESULT ${JSON.stringify(await runOne(one, threads))}\n`);
    return;
  }
  const models = argOf('models', process.env.EMBEDDING_MODEL_PATH ?? '.tools/models/all-minilm-l6-v2').split(',');
  console.log(`${fixture.passages.length} passages, ${fixture.queries.length} queries, ${threads} ONNX thread(s); load average ${loadavg()[0].toFixed(2)}`);
  const rows: Result[] = [];
  for (const model of models) {
    const child = spawnSync(process.execPath, [...process.execArgv, __filename, `--one=${model}`, `--threads=${threads}`, ...process.argv.filter((a) => a.startsWith('--prefix=') || a.startsWith('--redis='))], {
      encoding: 'utf8',
    });
    const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) {
      console.error(`${model}: failed\n${child.stderr}`);
      continue;
    }
    rows.push(JSON.parse(line.slice(7)) as Result);
  }
  console.table(
    rows.map((r) => ({
      model: r.model,
      dims: r.dims,
      'recall@1': r.recall1.toFixed(3),
      'recall@5': r.recall5.toFixed(3),
      MRR: r.mrr.toFixed(3),
      'ms/text b1': r.msBatch1.toFixed(1),
      'ms/text b16': r.msBatch16.toFixed(1),
      'load ms': Math.round(r.loadMs),
      'RSS MB': Math.round(r.rssMb),
      ...(r.cacheWarmMs === undefined ? {} : { 'cache miss ms/text': r.cacheColdMs!.toFixed(1), 'cache hit ms/text': r.cacheWarmMs.toFixed(2) }),
    })),
  );
  console.log(`load average after: ${loadavg()[0].toFixed(2)}`);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
