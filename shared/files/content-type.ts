import { open } from 'node:fs/promises';
import { extname } from 'node:path';

/**
 * The rule for what a stored file is, decided from its bytes alone (the client's type is never used):
 * 1. a format with a signature `file-type` knows (PNG, PDF, DOCX, ZIP, …) is that format;
 * 2. otherwise, content that decodes as UTF-8 with no NUL bytes and almost no control characters is text:
 *    text/markdown, text/csv, text/html or application/json when the file name's extension says so (or, for
 *    HTML, when it starts like an HTML document), else text/plain;
 * 3. anything else is application/octet-stream.
 * Executables and installers (PE/.exe, ELF, Mach-O, MSI, APK, Java classes) are refused outright.
 */
export const REFUSED_TYPES: ReadonlySet<string> = new Set([
  'application/x-msdownload',
  'application/vnd.microsoft.portable-executable',
  'application/x-elf',
  'application/x-mach-binary',
  'application/x-msi',
  'application/vnd.android.package-archive',
  'application/java-vm',
  'application/x-executable',
  'application/x-sharedlib',
]);

export const OCTET_STREAM = 'application/octet-stream';

const TEXT_BY_EXTENSION: Record<string, string> = {
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.json': 'application/json',
};

/** Bytes looked at to decide "text or binary". */
const TEXT_SAMPLE_BYTES = 64 * 1024;

export interface DetectedType {
  mimeType: string;
  /** file-type's extension, or null for text and unknown content. */
  ext: string | null;
}

interface FileTypeModule {
  fileTypeFromFile(path: string): Promise<{ mime: string; ext: string } | undefined>;
}

// file-type is ESM-only: Node 24 loads it with require() (no top-level await in it), which is what this CommonJS
// build needs; its types need moduleResolution node16, hence the one-line interface above. Loaded on first use.
async function signatureOf(path: string): Promise<{ mime: string; ext: string } | undefined> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { fileTypeFromFile } = require('file-type') as FileTypeModule;
  return fileTypeFromFile(path);
}

export async function detectContentType(path: string, fileName: string): Promise<DetectedType> {
  const sig = await signatureOf(path);
  if (sig) return { mimeType: sig.mime, ext: sig.ext };
  const sample = await head(path, TEXT_SAMPLE_BYTES);
  if (sample.length && looksLikeText(sample)) return { mimeType: textSubtype(sample, fileName), ext: null };
  return { mimeType: OCTET_STREAM, ext: null };
}

export function isTextType(mimeType: string): boolean {
  return mimeType.startsWith('text/') || mimeType === 'application/json';
}

async function head(path: string, bytes: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** UTF-8 (a sequence cut at the sample's end is fine), no NUL, control characters other than \t\n\f\r under 1 %. */
export function looksLikeText(sample: Buffer): boolean {
  if (sample.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
  } catch {
    return false;
  }
  let controls = 0;
  for (const b of sample) if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d && b !== 0x1b) controls++;
  return controls <= sample.length / 100;
}

function textSubtype(sample: Buffer, fileName: string): string {
  const byExt = TEXT_BY_EXTENSION[extname(fileName).toLowerCase()];
  if (byExt) return byExt;
  const start = sample.subarray(0, 512).toString('utf8').replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (start.startsWith('<!doctype html') || start.startsWith('<html')) return 'text/html';
  return 'text/plain';
}

/** A client's file name made safe to store and show: no directories, no control characters, at most 255 characters. */
export function cleanFileName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.normalize('NFC').replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '').trim();
  const chars = Array.from(cleaned === '.' || cleaned === '..' ? '' : cleaned);
  return chars.slice(0, 255).join('') || 'file';
}
