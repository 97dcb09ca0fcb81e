import { mkdtempSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileMissingError, fileKey } from './file-storage';
import { LocalFileStorage } from './local-file-storage';

const read = async (s: AsyncIterable<unknown>) => {
  const parts: Buffer[] = [];
  for await (const p of s) parts.push(p as Buffer);
  return Buffer.concat(parts).toString();
};

describe('LocalFileStorage', () => {
  const root = mkdtempSync(join(tmpdir(), 'local-store-'));
  const store = new LocalFileStorage(root);
  const key = fileKey('0a4f6f1e-9d1a-4b7e-8a51-6b0b1c2d3e4f', '7c9e6679-7425-40de-944b-e07fc1f90ae7');

  it('commits a staged file under its key and reads it whole or by range', async () => {
    const staged = store.stagingPath();
    writeFileSync(staged, 'hello, world');
    await store.commit(staged, key);
    expect(existsSync(staged)).toBe(false);
    expect(await read(await store.open(key))).toBe('hello, world');
    expect(await read(await store.open(key, { start: 7, end: 11 }))).toBe('world');
  });

  it('refuses keys that are not ids (no path traversal), and a missing key is FileMissingError', async () => {
    await expect(store.open('../etc/passwd')).rejects.toThrow('not a file key');
    await expect(store.open('a/b/c')).rejects.toThrow('not a file key');
    await expect(store.open(fileKey('nobody', 'nothing'))).rejects.toBeInstanceOf(FileMissingError);
  });

  it('removes a key idempotently and a whole prefix', async () => {
    await store.remove(key);
    await store.remove(key);
    await expect(store.open(key)).rejects.toBeInstanceOf(FileMissingError);
    for (const id of ['a1', 'a2']) {
      const staged = store.stagingPath();
      writeFileSync(staged, id);
      await store.commit(staged, fileKey('owner', id));
    }
    expect(await store.removePrefix('owner')).toBe(2);
    expect(await store.removePrefix('owner')).toBe(0);
  });

  it('sweeps staged files older than the age given, not fresh ones', async () => {
    const old = store.stagingPath();
    const fresh = store.stagingPath();
    writeFileSync(old, 'x');
    writeFileSync(fresh, 'y');
    utimesSync(old, new Date(Date.now() - 3 * 86400_000), new Date(Date.now() - 3 * 86400_000));
    expect(await store.sweepStaging(86400_000)).toBe(1);
    expect([existsSync(old), existsSync(fresh)]).toEqual([false, true]);
  });
});
