/**
 * Files benchmark — run on demand against a running stack (NOT a test):
 *
 *   eval "$(./dev env)" && npx tsx bench/files-bench.ts [--mb=20] [--uploads=3] [--ranges=200] [--pages=40] [--ingest=0]
 *
 * Prints: upload throughput of `mb`-MB files and how much the API process's RSS grew meanwhile (uploads stream
 * to disk, so it stays far below the file size); download throughput; ranged-read latency (64 KiB at random
 * offsets, p50/p99); time from upload to `ready` (text extracted and chunked by the file-ingest workflow) for a
 * 1 MB text file and a `pages`-page PDF; the preview (PDF first page rendered) latency.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { num } from './bench-args';

const OPT = { mb: num('mb', 20), uploads: num('uploads', 3), ranges: num('ranges', 200), pages: num('pages', 40), ingest: num('ingest', 1) };
const API = `http://${process.env.API_HOST ?? '127.0.0.1'}:${process.env.API_PORT ?? '3000'}/api/v3`;
const RUN_DIR = process.env.RUN_DIR ?? join(__dirname, '..', '.run');

/** RSS (MB) of this stack's API node process: api.pid itself or its descendant whose executable is node. */
function apiRssMb(): number {
  const root = Number(readFileSync(join(RUN_DIR, 'api.pid'), 'utf8').trim());
  const parent = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const descends = (pid: number): boolean => pid === root || (pid > 1 && parent.has(pid) && descends(parent.get(pid)!));
  for (const pid of parent.keys()) {
    try {
      if (!descends(pid) || !readlinkSync(`/proc/${pid}/exe`).endsWith('/node')) continue;
      return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
    } catch {
      /* gone */
    }
  }
  return NaN;
}

async function json(method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${API}${path}`, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

async function user(): Promise<string> {
  const email = `files-bench-${randomUUID()}@example.test`;
  const password = 'files bench password';
  const reg = await json('POST', '/auth/register', undefined, { email, password, name: 'Files bench' });
  if (reg.status !== 202) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.body)}`);
  const login = await json('POST', '/auth/login', undefined, { email, password });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
  return login.body.accessToken;
}

async function upload(token: string, name: string, data: Buffer): Promise<{ id: string }> {
  const form = new FormData();
  form.append('file', new Blob([data]), name);
  const res = await fetch(`${API}/files/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const body = (await res.json()) as any;
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${JSON.stringify(body)}`);
  return body.items[0];
}

async function untilReady(token: string, id: string): Promise<any> {
  for (;;) {
    const meta = await json('GET', `/files/${id}/metadata`, token);
    if (meta.body?.status === 'ready' || meta.body?.status === 'failed') return meta.body;
    await sleep(50);
  }
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const f1 = (n: number) => n.toFixed(1);

async function main() {
  const token = await user();
  const bytes = OPT.mb * 1024 * 1024;
  const blob = randomBytes(bytes);

  // Uploads: throughput and RSS growth, sampled while they run.
  const rssBefore = apiRssMb();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, apiRssMb())), 20);
  const ids: string[] = [];
  const t0 = performance.now();
  for (let i = 0; i < OPT.uploads; i++) ids.push((await upload(token, `blob-${i}.bin`, blob)).id);
  const uploadS = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  console.log(`upload   ${OPT.uploads} × ${OPT.mb} MB: ${f1((OPT.uploads * OPT.mb) / uploadS)} MB/s; API RSS ${f1(rssBefore)} → peak ${f1(rssPeak)} MB (+${f1(rssPeak - rssBefore)} MB for ${OPT.mb} MB files)`);

  // Download: the whole file.
  const t1 = performance.now();
  const got = Buffer.from(await (await fetch(`${API}/files/${ids[0]}`, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer());
  if (!got.equals(blob)) throw new Error('download differs from upload');
  console.log(`download ${OPT.mb} MB: ${f1(OPT.mb / ((performance.now() - t1) / 1000))} MB/s`);

  // Ranged reads of 64 KiB.
  const lat: number[] = [];
  for (let i = 0; i < OPT.ranges; i++) {
    const start = Math.floor(Math.random() * (bytes - 65536));
    const s = performance.now();
    const res = await fetch(`${API}/files/${ids[0]}`, { headers: { authorization: `Bearer ${token}`, range: `bytes=${start}-${start + 65535}` } });
    const part = Buffer.from(await res.arrayBuffer());
    if (res.status !== 206 || !part.equals(blob.subarray(start, start + 65536))) throw new Error('range mismatch');
    lat.push(performance.now() - s);
  }
  console.log(`range    64 KiB × ${OPT.ranges}: p50 ${f1(pct(lat, 50))} ms, p99 ${f1(pct(lat, 99))} ms`);

  if (!OPT.ingest) {
    for (const id of ids) await json('DELETE', `/files/${id}`, token);
    return;
  }
  // Ingest: upload → ready (text extracted, chunked, the chunks embedded and their vectors written).
  const sentence = (i: number) => `Sentence ${i} of the benchmark text talks about rivers, herons and mills in some detail.`;
  const text = Buffer.from(Array.from({ length: 12_000 }, (_, i) => sentence(i) + (i % 6 === 5 ? '\n\n' : ' ')).join(''));
  const t2 = performance.now();
  const textFile = await upload(token, 'bench.txt', text);
  const textMeta = await untilReady(token, textFile.id);
  console.log(`ingest   ${f1(text.length / 1e6)} MB text → ${textMeta.status}, ${textMeta.chunkCount} chunks in ${Math.round(performance.now() - t2)} ms (upload included)`);

  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let p = 0; p < OPT.pages; p++) {
    const page = pdf.addPage([595, 842]);
    for (let l = 0; l < 50; l++) page.drawText(sentence(p * 50 + l).slice(0, 90), { x: 40, y: 800 - l * 15, size: 9, font });
  }
  const pdfBytes = Buffer.from(await pdf.save());
  const t3 = performance.now();
  const pdfFile = await upload(token, 'bench.pdf', pdfBytes);
  const pdfMeta = await untilReady(token, pdfFile.id);
  console.log(`ingest   ${OPT.pages}-page PDF (${f1(pdfBytes.length / 1e6)} MB) → ${pdfMeta.status}, ${pdfMeta.textChars} chars, ${pdfMeta.chunkCount} chunks in ${Math.round(performance.now() - t3)} ms (upload included)`);

  const prev: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    const res = await json('GET', `/files/${pdfFile.id}/preview`, token);
    if (!res.body?.thumbnail) throw new Error('no PDF thumbnail');
    prev.push(performance.now() - s);
  }
  console.log(`preview  PDF first page as PNG + text excerpt: p50 ${Math.round(pct(prev, 50))} ms over 5`);

  for (const id of [...ids, textFile.id, pdfFile.id]) await json('DELETE', `/files/${id}`, token);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
