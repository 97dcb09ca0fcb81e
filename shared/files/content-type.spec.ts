import { cleanFileName, isTextType, looksLikeText, REFUSED_TYPES } from './content-type';

// detectContentType needs file-type (ESM-only; jest cannot require it without --experimental-vm-modules): the
// e2e spec covers it against the real API. These are the rules around it.
describe('the text rule', () => {
  it('looksLikeText: no NUL, valid UTF-8 (a sequence cut at the end is fine), few control characters', () => {
    expect(looksLikeText(Buffer.from('héllo'))).toBe(true);
    expect(looksLikeText(Buffer.from('héllo').subarray(0, 2))).toBe(true);
    expect(looksLikeText(Buffer.from([0x68, 0xff, 0x68]))).toBe(false);
    expect(looksLikeText(Buffer.from('a\u0001b\u0002c'))).toBe(false);
  });

  it('text types and refused types', () => {
    expect(['text/plain', 'text/csv', 'application/json'].every(isTextType)).toBe(true);
    expect(isTextType('application/pdf')).toBe(false);
    expect(REFUSED_TYPES.has('application/x-msdownload')).toBe(true);
  });
});

describe('cleanFileName', () => {
  it('drops directories, control and bidi-override characters; caps at 255 characters; never empty', () => {
    expect(cleanFileName('../../etc/passwd')).toBe('passwd');
    expect(cleanFileName('C:\\Users\\me\\doc.txt')).toBe('doc.txt');
    expect(cleanFileName('evil\u202etxt.exe')).toBe('eviltxt.exe');
    expect(cleanFileName('a\u0000b\nc')).toBe('abc');
    expect(cleanFileName('..')).toBe('file');
    expect(cleanFileName(undefined)).toBe('file');
    expect(Array.from(cleanFileName('é'.repeat(300)))).toHaveLength(255);
  });
});
