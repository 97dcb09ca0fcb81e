import { ZipFile } from 'yazl';
import { extractText, textSourceOf } from './text-extraction';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

async function docx(paragraphs: string[]): Promise<Buffer> {
  const zip = new ZipFile();
  zip.addBuffer(
    Buffer.from('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'),
    '[Content_Types].xml',
  );
  zip.addBuffer(Buffer.from('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'), '_rels/.rels');
  const body = paragraphs.map((p) => `<w:p><w:r><w:t>${p}</w:t></w:r></w:p>`).join('');
  zip.addBuffer(Buffer.from(`<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`), 'word/document.xml');
  zip.end();
  const parts: Buffer[] = [];
  for await (const p of zip.outputStream) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

// PDFs are read by pdfjs-dist, ESM-only: Node 24 require()s it in the worker, but jest's module registry cannot
// without --experimental-vm-modules, so PDF extraction is covered by test/e2e/files.e2e-spec.ts (real worker).
describe('extractText', () => {
  it('reads DOCX paragraphs (mammoth)', async () => {
    expect(textSourceOf(DOCX)).toBe('docx');
    const out = await extractText(await docx(['One paragraph.', 'Another one.']), DOCX);
    expect(out.text).toBe('One paragraph.\n\nAnother one.');
  });

  it('turns HTML into text without markup, links or scripts', async () => {
    const out = await extractText(Buffer.from('<html><head><script>evil()</script></head><body><h1>Title</h1><p>A <a href="http://x">link</a> here.</p></body></html>'), 'text/html');
    expect(out.text).toBe('Title\n\nA link here.');
  });

  it('normalises plain text (BOM, CRLF, trailing spaces, blank-line runs) and has nothing for images', async () => {
    expect((await extractText(Buffer.from('\uFEFFa  \r\nb\r\n\r\n\r\n\r\nc'), 'text/plain')).text).toBe('a\nb\n\nc');
    expect(await extractText(Buffer.from([1, 2, 3]), 'image/png')).toEqual({ text: '', pageCount: null, truncated: false });
  });
});
