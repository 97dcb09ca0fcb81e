/**
 * Local model benchmark — which small GGUF should be the offline default. Run on demand (NOT a test):
 *
 *   npx tsx bench/local-model-bench.ts --model=.tools/models/a.gguf[,b.gguf...] [--threads=1,2] [--parallel=2]
 *                                      [--max-tokens=48] [--system='You are a helpful assistant.'] [--show]
 *
 * Each model × thread count runs in a fresh child process (load time and RSS are its own), through the
 * gateway's LocalProvider (its chat template, its queue), greedy (temperature 0), with no system prompt
 * unless --system is given (a conversation without one reaches the model so):
 *   - quality: fixed short factual/instruction prompts, a hit when the reply contains an expected keyword;
 *   - concurrency 1: the prompts one after another; concurrency 4: four in flight (beyond --parallel
 *     sequences they wait in the provider's queue, as turns would) — TTFT p50/p90 (request → first text),
 *     tokens/s of one stream (after its first token) and of the whole process;
 *   - load ms, RSS after load and at the end.
 * The machine is shared: the 1-minute load average is printed before and after each run.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { basename, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadLocalModel, unloadLocalModel } from '../shared/llm/local/local-model.loader';
import { LocalProvider } from '../shared/llm/local/local.provider';
import type { ChatMessage } from '../shared/llm/provider.types';
import { argOf, num } from './bench-args';

const PROMPTS: { prompt: string; expect: RegExp }[] = [
  { prompt: 'What is the capital of France?', expect: /paris/i },
  { prompt: 'What is the capital of Japan?', expect: /tokyo/i },
  { prompt: 'How many days are there in a week?', expect: /\b(seven|7)\b/i },
  { prompt: 'What is 2 + 2?', expect: /\b(four|4)\b/i },
  { prompt: 'What colour is the sky on a clear day?', expect: /blue/i },
  { prompt: 'Which planet is known as the Red Planet?', expect: /mars/i },
  { prompt: 'What is the opposite of hot?', expect: /cold/i },
  { prompt: 'Translate "thank you" into French.', expect: /merci/i },
  { prompt: 'Name the largest ocean on Earth.', expect: /pacific/i },
  { prompt: 'Who wrote "Romeo and Juliet"?', expect: /shakespeare/i },
  { prompt: 'What gas do plants absorb from the air?', expect: /carbon dioxide|co2/i },
  { prompt: 'Reply with one word: what animal says "meow"?', expect: /cat/i },
];

interface Sample {
  ttftMs: number;
  tokens: number;
  streamMs: number;
  text: string;
}

interface ChildResult {
  model: string;
  threads: number;
  parallel: number;
  loadMs: number;
  rssAfterLoadMb: number;
  rssEndMb: number;
  quality: { hits: number; n: number; misses: { prompt: string; reply: string }[] };
  c1: Stats;
  c4: Stats;
  load: [number, number];
}

interface Stats {
  ttftP50: number;
  ttftP90: number;
  streamTokS: number;
  totalTokS: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const rssMb = () => process.memoryUsage().rss / 2 ** 20;

async function child(): Promise<void> {
  const modelPath = resolve(argOf('model', ''));
  const options = { modelPath, threads: num('threads', 1), parallel: num('parallel', 2), maxQueued: 64, maxQueueWaitMs: 600_000 };
  const maxTokens = num('max-tokens', 48);
  const system = argOf('system', '');
  const provider = new LocalProvider(options);
  const before = loadavg()[0];
  const { loadMs } = await loadLocalModel(options);
  const rssAfterLoadMb = rssMb();

  const ask = async (prompt: string): Promise<Sample> => {
    const messages: ChatMessage[] = [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user', content: prompt }];
    const started = performance.now();
    let first = 0;
    let tokens = 0;
    let text = '';
    for await (const ev of provider.stream({ model: basename(modelPath), messages, maxTokens, temperature: 0 })) {
      if (ev.type === 'text') {
        first ||= performance.now();
        text += ev.delta;
      } else if (ev.type === 'usage') tokens = ev.outputTokens;
    }
    const end = performance.now();
    return { ttftMs: (first || end) - started, tokens, streamMs: end - (first || end), text };
  };

  await ask('Hello.'); // warm-up: first-call allocations off the figures

  const t1 = performance.now();
  const seq: Sample[] = [];
  for (const p of PROMPTS) seq.push(await ask(p.prompt));
  const seqMs = performance.now() - t1;

  const t4 = performance.now();
  const pending = [...PROMPTS];
  const conc: Sample[] = [];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let p = pending.shift(); p; p = pending.shift()) conc.push(await ask(p.prompt));
    }),
  );
  const concMs = performance.now() - t4;

  const stats = (samples: Sample[], wallMs: number): Stats => ({
    ttftP50: pct(samples.map((s) => s.ttftMs), 50),
    ttftP90: pct(samples.map((s) => s.ttftMs), 90),
    // After the first token: decoding speed of one stream (its first token came with the prompt's evaluation).
    streamTokS: samples.reduce((a, s) => a + Math.max(0, s.tokens - 1), 0) / (samples.reduce((a, s) => a + s.streamMs, 0) / 1000),
    totalTokS: samples.reduce((a, s) => a + s.tokens, 0) / (wallMs / 1000),
  });
  const misses = PROMPTS.flatMap((p, i) => (p.expect.test(seq[i].text) ? [] : [{ prompt: p.prompt, reply: seq[i].text.trim().slice(0, 100) }]));
  const result: ChildResult = {
    model: basename(modelPath),
    threads: options.threads,
    parallel: options.parallel,
    loadMs,
    rssAfterLoadMb,
    rssEndMb: rssMb(),
    quality: { hits: PROMPTS.length - misses.length, n: PROMPTS.length, misses },
    c1: stats(seq, seqMs),
    c4: stats(conc, concMs),
    load: [before, loadavg()[0]],
  };
  if (process.argv.includes('--show')) for (const [i, s] of seq.entries()) console.error(`${PROMPTS[i].prompt} → ${JSON.stringify(s.text.trim())}`);
  await unloadLocalModel();
  console.log(`RESULT ${JSON.stringify(result)}`);
}

function main(): void {
  const models = process.argv.filter((a) => a.startsWith('--model=')).flatMap((a) => a.slice('--model='.length).split(',')).filter(Boolean);
  if (!models.length) throw new Error('name at least one GGUF: --model=path[,path]');
  const threads = argOf('threads', '1,2').split(',').map(Number);
  const passThrough = process.argv.slice(2).filter((a) => !a.startsWith('--model=') && !a.startsWith('--threads='));
  console.log(`local model bench: ${cpus().length} cores, node ${process.version}, ${PROMPTS.length} prompts, max ${num('max-tokens', 48)} tokens, parallel ${num('parallel', 2)}`);
  const f = (x: number, d = 0) => x.toFixed(d).padStart(7);
  console.log('model                                threads  quality  load ms  RSS MB   c1 TTFT p50/p90 ms   c1 tok/s   c4 TTFT p50/p90 ms   c4 tok/s stream/total   load avg');
  for (const model of models) {
    for (const t of threads) {
      const run = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', `--model=${model}`, `--threads=${t}`, ...passThrough], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) {
        console.log(`${model} threads=${t}: failed (exit ${run.status})\n${run.stdout}`);
        continue;
      }
      const r = JSON.parse(line.slice(7)) as ChildResult;
      console.log(
        `${r.model.padEnd(36)} ${String(r.threads).padStart(7)}  ${`${r.quality.hits}/${r.quality.n}`.padStart(7)}  ${f(r.loadMs)}  ${f(r.rssEndMb)}   ${f(r.c1.ttftP50)} /${f(r.c1.ttftP90)}   ${f(r.c1.streamTokS, 1)}   ${f(r.c4.ttftP50)} /${f(r.c4.ttftP90)}   ${f(r.c4.streamTokS, 1)} /${f(r.c4.totalTokS, 1)}   ${r.load.map((l) => l.toFixed(2)).join(' → ')}`,
      );
      if (r.quality.misses.length) console.log(`    misses: ${r.quality.misses.map((m) => `${m.prompt} → ${JSON.stringify(m.reply)}`).join(' | ')}`);
    }
  }
}

if (process.argv.includes('--child')) {
  child().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main();
}
