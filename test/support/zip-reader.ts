import { fromBuffer, type Entry, type ZipFile } from 'yauzl';

/** Every file of a ZIP archive, by name, as text (for asserting on exports). */
export async function unzipText(buf: Buffer): Promise<Record<string, string>> {
  const zip = await new Promise<ZipFile>((resolve, reject) => fromBuffer(buf, { lazyEntries: true }, (err, z) => (err ? reject(err) : resolve(z))));
  const files: Record<string, string> = {};
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', resolve);
    zip.on('entry', (entry: Entry) => {
      zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        const parts: Buffer[] = [];
        stream.on('data', (b: Buffer) => parts.push(b));
        stream.on('error', reject);
        stream.on('end', () => {
          files[entry.fileName] = Buffer.concat(parts).toString('utf8');
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  return files;
}
