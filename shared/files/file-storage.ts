import type { Readable } from 'node:stream';

/** An inclusive byte range, as HTTP Range gives it. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where uploaded bytes live, behind one contract so the API and the workers never touch paths or buckets.
 * Keys are `<userId>/<fileId>`: a user's files share a prefix, which is what erasure removes.
 *
 * Uploads are staged first (a local temp file the caller hashes, counts and type-checks while writing),
 * then committed under their key: a reader never sees a half-written file. The local backend commits by
 * rename; an S3-compatible backend (not implemented: no S3 client is installed) would stream the staged
 * file with a PUT and delete it, and answer `open` with a ranged GET.
 */
export interface FileStorage {
  readonly backend: 'local';
  /** A new path on local disk to stage an upload in (the directory exists). */
  stagingPath(): string;
  /** Moves a staged file under `key` (replacing what was there). */
  commit(stagedPath: string, key: string): Promise<void>;
  /** The bytes under `key`, or only `range` of them. Rejects with FileMissingError when absent. */
  open(key: string, range?: ByteRange): Promise<Readable>;
  /** Removes one key; absent is fine (idempotent). */
  remove(key: string): Promise<void>;
  /** Removes every key under `<prefix>/`; returns how many went. */
  removePrefix(prefix: string): Promise<number>;
}

export class FileMissingError extends Error {
  constructor(key: string) {
    super(`no stored file under ${key}`);
    this.name = 'FileMissingError';
  }
}

export function fileKey(userId: string, fileId: string): string {
  return `${userId}/${fileId}`;
}
