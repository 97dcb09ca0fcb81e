import { convert } from 'html-to-text';
import mammoth from 'mammoth';
import { isTextType } from './content-type';

/** The kinds of file text is extracted from; anything else (images, archives, unknown bytes) has none. */
export type TextSource = 'text' | 'html' | 'pdf' | 'docx';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** Extracted text is capped: beyond this a file is chunked only up to here (and says so). */
export const MAX_EXTRACTED_CHARS = 2_000_000;

export function textSourceOf(mimeType: string): TextSource | null {
  if (mimeType === 'text/html') return 'html';
  if (isTextType(mimeType)) return 'text';
  if (mimeType === 'application/pdf') return 'pdf';
  if (mimeType === DOCX) return 'docx';
  return null;
}

export interface ExtractedText {
  text: string;
  pageCount: number | null;
  truncated: boolean;
}

/** A file's readable text: line ends normalised, runs of blank lines collapsed, capped at MAX_EXTRACTED_CHARS. */
export async function extractText(bytes: Buffer, mimeType: string): Promise<ExtractedText> {
  const source = textSourceOf(mimeType);
  if (!source) return { text: '', pageCount: null, truncated: false };
  let raw: string;
  let pageCount: number | null = null;
  switch (source) {
    case 'text':
      raw = bytes.toString('utf8');
      break;
    case 'html':
      raw = htmlText(bytes.toString('utf8'));
      break;
    case 'docx':
      raw = await docxText(bytes);
      break;
    case 'pdf':
      ({ text: raw, pageCount } = await pdfText(bytes));
      break;
  }
  const text = normalise(raw);
  return { text: text.slice(0, MAX_EXTRACTED_CHARS), pageCount, truncated: text.length > MAX_EXTRACTED_CHARS };
}

export function normalise(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function htmlText(html: string): string {
  return convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'h1', options: { uppercase: false } },
      { selector: 'h2', options: { uppercase: false } },
      { selector: 'h3', options: { uppercase: false } },
      { selector: 'table', options: { uppercaseHeaderCells: false } },
    ],
  });
}

async function docxText(bytes: Buffer): Promise<string> {
  return (await mammoth.extractRawText({ buffer: bytes })).value;
}

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

/** pdfjs-dist is ESM; Node 24 loads it with require() (no top-level await in the legacy build). */
export function loadPdfJs(): PdfJs {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('pdfjs-dist/legacy/build/pdf.mjs') as PdfJs;
}

/** Opens a PDF for reading only: no font loading, no network (pdfjs 6 has no eval path). */
export function openPdf(bytes: Buffer) {
  return loadPdfJs().getDocument({ data: new Uint8Array(bytes), disableFontFace: true, useSystemFonts: false, verbosity: 0, stopAtErrors: false });
}

async function pdfText(bytes: Buffer): Promise<{ text: string; pageCount: number }> {
  const task = openPdf(bytes);
  try {
    const pdf = await task.promise;
    const pages: string[] = [];
    let chars = 0;
    for (let n = 1; n <= pdf.numPages && chars <= MAX_EXTRACTED_CHARS; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items) {
        if (!('str' in item)) continue;
        text += item.str + (item.hasEOL ? '\n' : '');
      }
      page.cleanup();
      pages.push(text);
      chars += text.length;
    }
    return { text: pages.join('\n\n'), pageCount: pdf.numPages };
  } finally {
    await task.destroy();
  }
}
