import { PDFDocument, StandardFonts } from 'pdf-lib';
import { api, type ApiResponse } from './api-client';
import { stack } from './stack';

export interface UploadPart {
  name: string;
  data: Uint8Array | string;
  /** What the client claims (the server detects the type from the content). */
  type?: string;
  field?: string;
}

/** POST /files/upload as a browser sends it: multipart/form-data, one part per file. */
export async function uploadFiles(token: string, parts: UploadPart[], apiUrl = stack.apiUrl): Promise<ApiResponse> {
  const form = new FormData();
  for (const p of parts) form.append(p.field ?? 'file', new Blob([typeof p.data === 'string' ? p.data : Buffer.from(p.data)], { type: p.type ?? 'application/octet-stream' }), p.name);
  const res = await fetch(`${apiUrl}/files/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, headers: res.headers, body };
}

/** Polls a file's metadata until its ingest ended (ready or failed). */
export async function ingested(token: string, fileId: string, apiUrl = stack.apiUrl, timeoutMs = 90_000): Promise<{ status: string; chunkCount: number; statusDetail: string | null }> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const res = await api('GET', `/files/${fileId}/metadata`, { token, apiUrl });
    if (res.status === 200 && ['ready', 'failed'].includes(res.body.status)) return res.body;
    if (Date.now() > end) throw new Error(`file ${fileId} not ingested in time: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A PDF with one page per text (wrapped at the page width), as a word processor would export it. */
export async function pdfOf(pages: string[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const text of pages) {
    doc.addPage([612, 792]).drawText(text, { x: 50, y: 740, size: 11, font, maxWidth: 512, lineHeight: 14 });
  }
  return doc.save();
}
