import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import sharp from 'sharp';
import { ZipFile } from 'yazl';
import { registerUser, type TestAccount } from '../support/accounts';
import { api, type ApiResponse, expectProblem } from '../support/api-client';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { sql } from '../support/db';
import { stack } from '../support/stack';
import { unzipText } from '../support/zip-reader';
import { uploadFiles as upload, type UploadPart as Part } from '../support/file-uploads';


interface UploadedFile {
  id: string;
  name: string;
  mimeType: string;
  sizeBytes: number;
  sha256: string;
  status: string;
}

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

async function uploadOne(token: string, part: Part): Promise<UploadedFile> {
  const res = await upload(token, [part]);
  expect({ status: res.status, body: res.body }).toMatchObject({ status: 201 });
  return res.body.items[0];
}

async function until<T>(fn: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (done(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last value: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const ingested = (token: string, id: string) =>
  until(() => api('GET', `/files/${id}/metadata`, { token }), (r) => r.body?.status === 'ready' || r.body?.status === 'failed');

async function raw(path: string, token?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.apiUrl}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function makePdf(pages: string[]): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const text of pages) pdf.addPage([400, 500]).drawText(text, { x: 30, y: 450, size: 11, font });
  return Buffer.from(await pdf.save());
}

/** The smallest DOCX Word and mammoth read: content types, the package relationship and one document part. */
async function makeDocx(paragraphs: string[]): Promise<Buffer> {
  const zip = new ZipFile();
  zip.addBuffer(
    Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    ),
    '[Content_Types].xml',
  );
  zip.addBuffer(
    Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    ),
    '_rels/.rels',
  );
  const body = paragraphs.map((p) => `<w:p><w:r><w:t>${p}</w:t></w:r></w:p>`).join('');
  zip.addBuffer(Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`), 'word/document.xml');
  zip.end();
  const parts: Buffer[] = [];
  for await (const p of zip.outputStream) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

const makePng = (width = 640, height = 320) => sharp({ create: { width, height, channels: 3, background: '#2a6fb0' } }).png().toBuffer();

/** A PE header: what Windows runs. */
const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x40, 0, 0, 0]), Buffer.from('PE\0\0'), Buffer.alloc(200, 1)]);

const storedPath = (userId: string, fileId: string) => resolve(process.env.DATA_DIR ?? '.data/test', 'files', 'objects', userId, fileId);

describe('files', () => {
  let alice: TestAccount;
  let bob: TestAccount;
  const longText = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} says the heron number ${i} fishes at dawn by the old mill. It waits, then strikes.`).join('\n\n');
  let text: UploadedFile;
  let png: UploadedFile;
  let pdf: UploadedFile;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([registerUser('files-alice'), registerUser('files-bob')]);
  });

  describe('upload and type detection', () => {
    it('stores several files in one request, typed from their content, with SHA-256 and size', async () => {
      const pdfBytes = await makePdf(['The quarterly report mentions pelicans twice.', 'The second page is about cormorants.']);
      const pngBytes = await makePng();
      const res = await upload(alice.accessToken, [
        { name: 'herons.txt', data: longText, type: 'text/plain' },
        { name: 'report.pdf', data: pdfBytes, type: 'text/plain' },
        // A PNG that claims to be text is a PNG.
        { name: 'picture.txt', data: pngBytes, type: 'text/plain' },
      ]);
      expect(res.status).toBe(201);
      [text, pdf, png] = res.body.items;
      expect(text).toMatchObject({ name: 'herons.txt', mimeType: 'text/plain', sizeBytes: Buffer.byteLength(longText), status: 'pending' });
      expect(text.sha256).toBe(createHash('sha256').update(longText).digest('hex'));
      expect(pdf).toMatchObject({ mimeType: 'application/pdf', sizeBytes: pdfBytes.length });
      expect(png).toMatchObject({ name: 'picture.txt', mimeType: 'image/png', sizeBytes: pngBytes.length });
      const meta = await api('GET', `/files/${png.id}/metadata`, { token: alice.accessToken });
      expect(meta.body).toMatchObject({ declaredType: 'text/plain', mimeType: 'image/png', ingestWorkflowId: `file-ingest:${png.id}` });
    });

    it('detects text formats without magic bytes from the content and the name', async () => {
      const md = await uploadOne(alice.accessToken, { name: 'notes.md', data: '# Notes\n\nSome *markdown* text.', type: 'application/pdf' });
      const csv = await uploadOne(alice.accessToken, { name: 'table.csv', data: 'a,b\n1,2\n', type: 'image/png' });
      const html = await uploadOne(alice.accessToken, { name: 'page', data: '<!DOCTYPE html><html><body><h1>Kingfishers</h1><p>Blue and quick.</p></body></html>' });
      const docx = await uploadOne(alice.accessToken, { name: 'minutes.docx', data: await makeDocx(['Minutes of the meeting about otters.', 'Otters prefer clean rivers.']) });
      expect([md.mimeType, csv.mimeType, html.mimeType, docx.mimeType]).toEqual(['text/markdown', 'text/csv', 'text/html', DOCX]);
    });

    it('keeps only a clean base name from the client: no directories, no control characters', async () => {
      const f = await uploadOne(alice.accessToken, { name: '../../etc/pass\u0007wd', data: 'root:x:0:0' });
      expect(f.name).toBe('passwd');
      const g = await uploadOne(alice.accessToken, { name: '..\\..\\boot.ini', data: '[boot]' });
      expect(g.name).toBe('boot.ini');
      const head = await fetch(`${stack.apiUrl}/files/${f.id}`, { method: 'HEAD', headers: { authorization: `Bearer ${alice.accessToken}` } });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe('10');
      expect(await head.text()).toBe('');
    });

    it('refuses executables (422) and stores unknown binary as application/octet-stream', async () => {
      const exe = expectProblem(await upload(alice.accessToken, [{ name: 'setup.pdf', data: EXE, type: 'application/pdf' }]), 422);
      expect(exe.detail).toMatch(/executable/);
      const blob = await uploadOne(alice.accessToken, { name: 'blob.dat', data: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)), type: 'text/plain' });
      expect(blob.mimeType).toBe('application/octet-stream');
      const done = await ingested(alice.accessToken, blob.id);
      expect(done.body).toMatchObject({ status: 'ready', chunkCount: 0, statusDetail: 'no text is extracted from application/octet-stream' });
    });

    it('answers bad requests with problems: not multipart 415, no file part 400, an empty file 422, a broken body 400', async () => {
      expectProblem(await api('POST', '/files/upload', { token: alice.accessToken, body: { file: 'x' } }), 415);
      const form = new FormData();
      form.append('note', 'just a field');
      const noFile = await fetch(`${stack.apiUrl}/files/upload`, { method: 'POST', headers: { authorization: `Bearer ${alice.accessToken}` }, body: form });
      expect(noFile.status).toBe(400);
      expectProblem(await upload(alice.accessToken, [{ name: 'empty.txt', data: '' }]), 422);
      const broken = await api('POST', '/files/upload', {
        token: alice.accessToken,
        headers: { 'content-type': 'multipart/form-data; boundary=XYZ' },
        rawBody: '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhalf a file',
      });
      expect([400, 422]).toContain(broken.status);
      expectProblem(broken, broken.status);
      expectProblem(await upload('', [{ name: 'a.txt', data: 'hi' }]), 401);
    });
  });

  describe('ingest (file-ingest workflow)', () => {
    it('reaches ready with chunks whose text and offsets are the file text', async () => {
      const done = await ingested(alice.accessToken, text.id);
      expect(done.body).toMatchObject({ status: 'ready', textChars: longText.length, statusDetail: null });
      expect(done.body.chunkCount).toBeGreaterThan(3);
      const chunks = await sql<{ ordinal: number; text: string; start_offset: number; end_offset: number }>('select ordinal, text, start_offset, end_offset from file_chunks where file_id = ? order by ordinal', [text.id]);
      expect(chunks).toHaveLength(done.body.chunkCount);
      for (const c of chunks) {
        expect(longText.slice(c.start_offset, c.end_offset)).toBe(c.text);
        expect(c.text.length).toBeLessThanOrEqual(1000);
      }
      expect(chunks[0].text).toMatch(/^Paragraph 0 says/);
      expect(chunks[chunks.length - 1].end_offset).toBe(longText.length);
    });

    it('extracts PDF and DOCX text', async () => {
      const done = await ingested(alice.accessToken, pdf.id);
      expect(done.body).toMatchObject({ status: 'ready', pageCount: 2, chunkCount: 1 });
      const [chunk] = await sql<{ text: string }>('select text from file_chunks where file_id = ?', [pdf.id]);
      expect(chunk.text).toContain('The quarterly report mentions pelicans twice.');
      expect(chunk.text).toContain('The second page is about cormorants.');

      const docx = await uploadOne(alice.accessToken, { name: 'otters.docx', data: await makeDocx(['Otters hold hands while sleeping.', 'They use stones as tools.']) });
      expect((await ingested(alice.accessToken, docx.id)).body).toMatchObject({ status: 'ready', chunkCount: 1 });
      const [d] = await sql<{ text: string }>('select text from file_chunks where file_id = ?', [docx.id]);
      expect(d.text).toMatch(/Otters hold hands while sleeping\.\s+They use stones as tools\./);
    });

    it('an upload whose workflow start was lost (the API died in between) is ingested when its owner next looks', async () => {
      const f = await uploadOne(alice.accessToken, { name: 'orphan-source.txt', data: 'The orphan is found. It is then ingested.' });
      await ingested(alice.accessToken, f.id);
      // A row as a crash after the commit leaves it: pending for minutes, no workflow (its own id never started one).
      const [{ id: orphan }] = await sql<{ id: string }>(
        `insert into files (id, owner_id, name, mime_type, size_bytes, sha256, storage_key, status, chunk_count, created_at, updated_at)
         select gen_random_uuid(), owner_id, 'orphan.txt', mime_type, size_bytes, sha256, storage_key, 'pending', 0, now() - interval '5 minutes', now() from files where id = ? returning id`,
        [f.id],
      );
      const done = await ingested(alice.accessToken, orphan);
      expect(done.body).toMatchObject({ status: 'ready', chunkCount: 1, ingestWorkflowId: `file-ingest:${orphan}` });
      const [chunk] = await sql<{ text: string }>('select text from file_chunks where file_id = ?', [orphan]);
      expect(chunk.text).toBe('The orphan is found. It is then ingested.');
      await sql('delete from files where id = ?', [orphan]); // shares its bytes with f
    });

    it('a file that claims a type it does not decode as fails with a reason, and the file stays downloadable', async () => {
      const broken = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2000, 0x41)]);
      const f = await uploadOne(alice.accessToken, { name: 'broken.pdf', data: broken });
      expect(f.mimeType).toBe('application/pdf');
      const done = await ingested(alice.accessToken, f.id);
      expect(done.body.status).toBe('failed');
      expect(done.body.statusDetail).toMatch(/could not read/);
      expect((await raw(`/files/${f.id}`, alice.accessToken)).status).toBe(200);
    });
  });

  describe('download', () => {
    it('sends the bytes with nosniff, an ETag and a safe Content-Disposition (RFC 5987 filename*)', async () => {
      // A right-to-left override would make the name read differently in a file manager: it is removed.
      const name = 'Résumé (final)\u202e.txt';
      const f = await uploadOne(alice.accessToken, { name, data: 'hello, world' });
      const res = await raw(`/files/${f.id}`, alice.accessToken);
      expect(res.status).toBe(200);
      expect(res.bytes.toString()).toBe('hello, world');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(res.headers.get('etag')).toBe(`"${f.sha256}"`);
      expect(res.headers.get('accept-ranges')).toBe('bytes');
      const disposition = res.headers.get('content-disposition')!;
      expect(disposition).toBe("attachment; filename=\"R?sum? (final).txt\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%28final%29.txt");
      expect(f.name).toBe('Résumé (final).txt');
      // HTML is never shown inline, whatever is asked.
      const html = await uploadOne(alice.accessToken, { name: 'x.html', data: '<html><script>alert(1)</script></html>' });
      const page = await raw(`/files/${html.id}?disposition=inline`, alice.accessToken);
      expect(page.headers.get('content-disposition')).toMatch(/^attachment;/);
      expect(page.headers.get('content-security-policy')).toContain('sandbox');
      const inline = await raw(`/files/${png.id}?disposition=inline`, alice.accessToken);
      expect(inline.headers.get('content-disposition')).toMatch(/^inline;/);
      expect(inline.headers.get('content-type')).toBe('image/png');
    });

    it('answers Range requests with 206, suffix ranges, If-Range, and 416 past the end', async () => {
      const size = Buffer.byteLength(longText);
      const first = await raw(`/files/${text.id}`, alice.accessToken, { range: 'bytes=0-9' });
      expect(first.status).toBe(206);
      expect(first.bytes.toString()).toBe(longText.slice(0, 10));
      expect(first.headers.get('content-range')).toBe(`bytes 0-9/${size}`);
      expect(first.headers.get('content-length')).toBe('10');
      const tail = await raw(`/files/${text.id}`, alice.accessToken, { range: 'bytes=-7' });
      expect(tail.status).toBe(206);
      expect(tail.bytes.toString()).toBe(longText.slice(-7));
      const open = await raw(`/files/${text.id}`, alice.accessToken, { range: `bytes=${size - 3}-` });
      expect(open.bytes.toString()).toBe(longText.slice(-3));
      const stale = await raw(`/files/${text.id}`, alice.accessToken, { range: 'bytes=0-9', 'if-range': '"not-the-etag"' });
      expect(stale.status).toBe(200);
      expect(stale.bytes.length).toBe(size);
      const past = await raw(`/files/${text.id}`, alice.accessToken, { range: `bytes=${size + 10}-` });
      expect(past.status).toBe(416);
      expect(past.headers.get('content-range')).toBe(`bytes */${size}`);
      expect(past.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });
  });

  describe('preview', () => {
    it('shows the start of a text file', async () => {
      const res = await api('GET', `/files/${text.id}/preview`, { token: alice.accessToken });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ fileId: text.id, mimeType: 'text/plain', textTruncated: true, thumbnail: null });
      expect(longText.startsWith(res.body.text)).toBe(true);
      expect(res.body.text.length).toBe(2000);
    });

    it('scales an image down to a WebP thumbnail', async () => {
      const res = await api('GET', `/files/${png.id}/preview`, { token: alice.accessToken });
      expect(res.body).toMatchObject({ text: null, thumbnail: { contentType: 'image/webp', width: 256, height: 128 } });
      const meta = await sharp(Buffer.from(res.body.thumbnail.data, 'base64')).metadata();
      expect(meta).toMatchObject({ format: 'webp', width: 256, height: 128 });
    });

    it("renders a PDF's first page as a PNG and shows its text once ingested", async () => {
      const res = await api('GET', `/files/${pdf.id}/preview`, { token: alice.accessToken });
      expect(res.body.text).toContain('pelicans twice');
      expect(res.body.thumbnail).toMatchObject({ contentType: 'image/png', width: 512 });
      const meta = await sharp(Buffer.from(res.body.thumbnail.data, 'base64')).metadata();
      expect(meta).toMatchObject({ format: 'png', width: 512, height: 640 });
      // A white page with a line of dark text on it.
      const { channels } = await sharp(Buffer.from(res.body.thumbnail.data, 'base64')).stats();
      expect(channels[0].mean).toBeGreaterThan(240);
      expect(channels[0].min).toBeLessThan(100);
    });
  });

  describe('share links', () => {
    it('serves the file without auth until revoked (then 404); ranges work; listed without tokens', async () => {
      const made = await api('POST', `/files/${text.id}/share`, { token: alice.accessToken, body: { expiresInSeconds: 3600 } });
      expect(made.status).toBe(201);
      expect(made.body.url).toMatch(new RegExp(`/api/v3/files/shared/${made.body.token}$`));
      expect(new Date(made.body.expiresAt).getTime() - Date.now()).toBeGreaterThan(3590_000);

      const open = await raw(`/files/shared/${made.body.token}`);
      expect(open.status).toBe(200);
      expect(open.bytes.toString()).toBe(longText);
      expect(open.headers.get('cache-control')).toBe('private, no-store');
      const part = await raw(`/files/shared/${made.body.token}`, undefined, { range: 'bytes=0-8' });
      expect(part.status).toBe(206);
      expect(part.bytes.toString()).toBe('Paragraph');

      const list = await api('GET', `/files/${text.id}/shares`, { token: alice.accessToken });
      expect(list.body.items).toEqual([expect.objectContaining({ id: made.body.id, active: true, revokedAt: null })]);
      expect(JSON.stringify(list.body)).not.toContain(made.body.token);
      expect((await api('GET', `/files/${text.id}/metadata`, { token: alice.accessToken })).body.activeShares).toBe(1);

      expect((await api('DELETE', `/files/${text.id}/shares/${made.body.id}`, { token: alice.accessToken })).status).toBe(204);
      expect((await raw(`/files/shared/${made.body.token}`)).status).toBe(404);
      expect((await api('GET', `/files/${text.id}/shares`, { token: alice.accessToken })).body.items[0]).toMatchObject({ active: false, revokedAt: expect.any(String) });
      expect((await api('DELETE', `/files/${text.id}/shares/${made.body.id}`, { token: alice.accessToken })).status).toBe(204);
    });

    it('an expired link is 410; an unknown token 404; lifetimes out of range are 400', async () => {
      const made = await api('POST', `/files/${png.id}/share`, { token: alice.accessToken, body: {} });
      expect(made.status).toBe(201);
      await sql(`update file_shares set expires_at = now() - interval '1 second' where id = ?`, [made.body.id]);
      expectProblem(await api('GET', `/files/shared/${made.body.token}`), 410);
      expectProblem(await api('GET', `/files/shared/${'A'.repeat(43)}`), 404);
      expectProblem(await api('GET', '/files/shared/short'), 404);
      expectProblem(await api('POST', `/files/${png.id}/share`, { token: alice.accessToken, body: { expiresInSeconds: 5 } }), 400);
      expectProblem(await api('POST', `/files/${png.id}/share`, { token: alice.accessToken, body: { expiresInSeconds: 'soon' } }), 400);
      expectProblem(await api('POST', `/files/${png.id}/share`, { token: alice.accessToken, body: { expiresInSeconds: 31 * 86400 } }), 400);
    });
  });

  describe('listing', () => {
    it('filters by type, name, status and date, newest first, with a cursor', async () => {
      const images = await api('GET', '/files?type=image', { token: alice.accessToken });
      expect(images.body.items.map((f: UploadedFile) => f.id)).toEqual([png.id]);
      const pdfs = await api('GET', '/files?type=application/pdf', { token: alice.accessToken });
      expect(pdfs.body.items.every((f: UploadedFile) => f.mimeType === 'application/pdf')).toBe(true);
      const named = await api('GET', `/files?name=${encodeURIComponent('HERONS')}`, { token: alice.accessToken });
      expect(named.body.items.map((f: UploadedFile) => f.id)).toEqual([text.id]);
      // LIKE wildcards in the name match themselves.
      expect((await api('GET', '/files?name=%25', { token: alice.accessToken })).body.items).toEqual([]);
      const future = await api('GET', `/files?createdAfter=${new Date(Date.now() + 60_000).toISOString()}`, { token: alice.accessToken });
      expect(future.body.items).toEqual([]);
      const failed = await api('GET', '/files?status=failed', { token: alice.accessToken });
      expect(failed.body.items.map((f: UploadedFile) => f.name)).toEqual(['broken.pdf']);

      const all: string[] = [];
      let cursor: string | null = null;
      do {
        const page: ApiResponse = await api('GET', `/files?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { token: alice.accessToken });
        expect(page.body.items.length).toBeLessThanOrEqual(3);
        all.push(...page.body.items.map((f: UploadedFile) => f.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      const [{ n }] = await sql<{ n: string }>('select count(*) as n from files where owner_id = ?', [alice.id]);
      expect(all).toHaveLength(Number(n));
      expect(new Set(all).size).toBe(all.length);
      expect((await api('GET', '/files', { token: bob.accessToken })).body.items).toEqual([]);

      for (const bad of ['type=../etc', 'createdAfter=yesterday', 'status=done', 'limit=1000', 'conversationId=nope']) {
        expectProblem(await api('GET', `/files?${bad}`, { token: alice.accessToken }), 400);
      }
    });

    it('reports usage against the quota', async () => {
      const res = await api('GET', '/files/usage', { token: alice.accessToken });
      const [{ bytes }] = await sql<{ bytes: string }>('select sum(size_bytes) as bytes from files where owner_id = ?', [alice.id]);
      expect(res.body).toMatchObject({ usedBytes: Number(bytes), quotaBytes: expect.any(Number), maxFileBytes: expect.any(Number) });
    });
  });

  describe('conversation attachments', () => {
    it('attaches, lists, filters and detaches; both ids must be yours', async () => {
      const conv = await api('POST', '/conversations', { token: alice.accessToken, body: { title: 'with files' } });
      const bobsConv = await api('POST', '/conversations', { token: bob.accessToken, body: { title: 'bob' } });
      const bobsFile = await uploadOne(bob.accessToken, { name: 'bob.txt', data: 'bob only' });
      const path = `/conversations/${conv.body.id}/files`;

      const attached = await api('POST', path, { token: alice.accessToken, body: { fileId: pdf.id } });
      expect(attached.status).toBe(201);
      expect(attached.body).toMatchObject({ conversationId: conv.body.id, file: { id: pdf.id } });
      expect((await api('POST', path, { token: alice.accessToken, body: { fileId: pdf.id } })).status).toBe(201); // idempotent
      expect((await api('GET', path, { token: alice.accessToken })).body.items.map((l: { file: UploadedFile }) => l.file.id)).toEqual([pdf.id]);
      expect((await api('GET', `/files?conversationId=${conv.body.id}`, { token: alice.accessToken })).body.items.map((f: UploadedFile) => f.id)).toEqual([pdf.id]);
      expect((await api('GET', `/files/${pdf.id}/metadata`, { token: alice.accessToken })).body.conversationIds).toEqual([conv.body.id]);

      expectProblem(await api('POST', path, { token: alice.accessToken, body: { fileId: bobsFile.id } }), 404);
      expectProblem(await api('POST', `/conversations/${bobsConv.body.id}/files`, { token: alice.accessToken, body: { fileId: pdf.id } }), 404);
      expectProblem(await api('GET', path, { token: bob.accessToken }), 404);
      expectProblem(await api('GET', `/files?conversationId=${conv.body.id}`, { token: bob.accessToken }), 404);
      expectProblem(await api('POST', path, { token: alice.accessToken, body: { fileId: 'not-a-uuid' } }), 400);

      expect((await api('DELETE', `${path}/${pdf.id}`, { token: alice.accessToken })).status).toBe(204);
      expectProblem(await api('DELETE', `${path}/${pdf.id}`, { token: alice.accessToken }), 404);
      expect((await api('GET', path, { token: alice.accessToken })).body.items).toEqual([]);
    });
  });

  describe('ownership', () => {
    it("is 404 for another user's file on every route, the same as a missing id", async () => {
      const missing = '00000000-0000-4000-8000-000000000000';
      for (const id of [text.id, missing]) {
        for (const [method, path, body] of [
          ['GET', `/files/${id}`],
          ['GET', `/files/${id}/metadata`],
          ['GET', `/files/${id}/preview`],
          ['POST', `/files/${id}/share`, {}],
          ['GET', `/files/${id}/shares`],
          ['DELETE', `/files/${id}/shares/${missing}`],
          ['DELETE', `/files/${id}`],
        ] as [string, string, unknown?][]) {
          expectProblem(await api(method, path, { token: bob.accessToken, body }), 404);
        }
      }
      expectProblem(await api('GET', '/files/not-a-uuid', { token: alice.accessToken }), 400);
      expect((await raw(`/files/${text.id}`, alice.accessToken)).status).toBe(200);
    });
  });

  describe('delete', () => {
    it('removes the row, the chunks, the share links and the stored bytes', async () => {
      const f = await uploadOne(alice.accessToken, { name: 'doomed.txt', data: 'Short lived. Very short lived indeed.' });
      await ingested(alice.accessToken, f.id);
      const share = await api('POST', `/files/${f.id}/share`, { token: alice.accessToken, body: {} });
      expect(existsSync(storedPath(alice.id, f.id))).toBe(true);
      expect((await api('DELETE', `/files/${f.id}`, { token: alice.accessToken })).status).toBe(204);
      expectProblem(await api('GET', `/files/${f.id}/metadata`, { token: alice.accessToken }), 404);
      expectProblem(await api('GET', `/files/shared/${share.body.token}`), 404);
      expect(existsSync(storedPath(alice.id, f.id))).toBe(false);
      expect(await sql('select 1 from file_chunks where file_id = ?', [f.id])).toEqual([]);
      expectProblem(await api('DELETE', `/files/${f.id}`, { token: alice.accessToken }), 404);
    });
  });

  describe('limits (an API process with small limits)', () => {
    let small: ApiProcess;
    beforeAll(async () => {
      small = await startApiProcess({ FILE_MAX_BYTES: '10000', FILE_MAX_PER_UPLOAD: '2', FILE_USER_QUOTA_BYTES: '25000' });
    });
    afterAll(() => small?.stop());

    it('a file over FILE_MAX_BYTES is 413 and nothing is kept', async () => {
      const carol = await registerUser('files-carol');
      const res = expectProblem(await upload(carol.accessToken, [{ name: 'ok.txt', data: 'fine' }, { name: 'big.txt', data: 'x'.repeat(10_001) }], small.apiUrl), 413);
      expect(res).toMatchObject({ title: 'File too large', maxFileBytes: 10000 });
      expect((await api('GET', '/files', { token: carol.accessToken })).body.items).toEqual([]);
      expect((await upload(carol.accessToken, [{ name: 'edge.txt', data: 'y'.repeat(10_000) }], small.apiUrl)).status).toBe(201);
    });

    it('more files than FILE_MAX_PER_UPLOAD is 413', async () => {
      const carol = await registerUser('files-carol2');
      const res = expectProblem(await upload(carol.accessToken, [1, 2, 3].map((i) => ({ name: `${i}.txt`, data: `file ${i}` })), small.apiUrl), 413);
      expect(res.title).toBe('Too many files');
      expect((await api('GET', '/files', { token: carol.accessToken })).body.items).toEqual([]);
    });

    it('the per-user quota is 413 once an upload would pass it', async () => {
      const dave = await registerUser('files-dave');
      expect((await upload(dave.accessToken, [{ name: 'a.txt', data: 'a'.repeat(9000) }, { name: 'b.txt', data: 'b'.repeat(9000) }], small.apiUrl)).status).toBe(201);
      const over = expectProblem(await upload(dave.accessToken, [{ name: 'c.txt', data: 'c'.repeat(9000) }], small.apiUrl), 413);
      expect(over).toMatchObject({ title: 'Quota exceeded', quotaBytes: 25000, usedBytes: 18000 });
      expect((await upload(dave.accessToken, [{ name: 'd.txt', data: 'd'.repeat(6992) }], small.apiUrl)).status).toBe(201);
      // Three uploads racing for the last 8 bytes: two fit, the quota holds (checked again under a per-user lock).
      const racing = await Promise.all([1, 2, 3].map((i) => upload(dave.accessToken, [{ name: `r${i}.txt`, data: 'rrrr' }], small.apiUrl)));
      expect(racing.map((r) => r.status).sort()).toEqual([201, 201, 413]);
      const [{ bytes }] = await sql<{ bytes: string }>('select sum(size_bytes) as bytes from files where owner_id = ?', [dave.id]);
      expect(Number(bytes)).toBe(25000);
      expectProblem(await upload(dave.accessToken, [{ name: 'e.txt', data: 'e' }], small.apiUrl), 413);
    });
  });

  describe('GDPR', () => {
    it('the export carries file metadata and bytes; erasure removes rows and stored bytes', async () => {
      const erin = await registerUser('files-erin');
      const pdfBytes = await makePdf(['Erin keeps her tax papers here.']);
      const f = await uploadOne(erin.accessToken, { name: 'tax.pdf', data: pdfBytes });
      await ingested(erin.accessToken, f.id);
      const started = await api('POST', '/users/me/export', { token: erin.accessToken });
      expect(started.status).toBe(202);
      await until(() => api('GET', `/users/me/exports/${started.body.id}`, { token: erin.accessToken }), (r) => r.body.status === 'completed' || r.body.status === 'failed');
      const zip = await fetch(`${stack.apiUrl}/users/me/exports/${started.body.id}/download`, { headers: { authorization: `Bearer ${erin.accessToken}` } });
      const entries = await unzipText(Buffer.from(await zip.arrayBuffer()));
      expect(JSON.parse(entries['files.json'])).toEqual([expect.objectContaining({ id: f.id, name: 'tax.pdf', mime_type: 'application/pdf', sha256: f.sha256 })]);
      expect(entries[`files/${f.id}/tax.pdf`]).toBe(pdfBytes.toString('utf8'));
      expect(entries['files.json']).not.toContain('storage_key');

      expect(existsSync(storedPath(erin.id, f.id))).toBe(true);
      expect((await api('DELETE', '/users/me?erase=true', { token: erin.accessToken, body: { password: erin.password } })).status).toBe(202);
      await until(() => sql<{ n: string }>('select count(*) as n from files where owner_id = ?', [erin.id]), (r) => r[0].n === '0');
      await until(async () => existsSync(resolve(storedPath(erin.id, f.id), '..')), (present) => !present);
      expect(await sql('select 1 from file_chunks where file_id = ?', [f.id])).toEqual([]);
    });
  });
});
