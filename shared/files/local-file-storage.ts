import { randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { type ByteRange, FileMissingError, type FileStorage } from './file-storage';

const SAFE_KEY = /^[A-Za-z0-9-]+(\/[A-Za-z0-9-]+)?$/;

/** Files on local disk under one root: `objects/<key>` for committed bytes, `staging/` for uploads in flight. */
export class LocalFileStorage implements FileStorage {
  readonly backend = 'local' as const;
  private readonly objects: string;
  private readonly staging: string;

  constructor(root: string) {
    this.objects = resolve(root, 'objects');
    this.staging = resolve(root, 'staging');
    // Same filesystem as objects/, so commit is an atomic rename.
    mkdirSync(this.staging, { recursive: true });
    mkdirSync(this.objects, { recursive: true });
  }

  stagingPath(): string {
    return join(this.staging, `${randomUUID()}.part`);
  }

  async commit(stagedPath: string, key: string): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    await rename(stagedPath, target);
  }

  async open(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(key);
    try {
      await stat(path);
    } catch {
      throw new FileMissingError(key);
    }
    return createReadStream(path, range ? { start: range.start, end: range.end } : {});
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async removePrefix(prefix: string): Promise<number> {
    const dir = this.pathOf(prefix);
    const names = await readdir(dir).catch(() => [] as string[]);
    await rm(dir, { recursive: true, force: true });
    return names.length;
  }

  /** Keys are ids we minted; anything else (dots, slashes) never reaches the filesystem. */
  private pathOf(key: string): string {
    if (!SAFE_KEY.test(key)) throw new Error(`not a file key: ${key}`);
    const path = resolve(this.objects, ...key.split('/'));
    if (!path.startsWith(this.objects + sep)) throw new Error(`not a file key: ${key}`);
    return path;
  }
}
