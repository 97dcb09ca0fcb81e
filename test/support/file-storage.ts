import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFileStorage } from '../../shared/files/local-file-storage';

/** A real local file store in a fresh temp directory, for specs that run activities outside the stack. */
export function tempFileStorage(): LocalFileStorage {
  return new LocalFileStorage(mkdtempSync(join(tmpdir(), 'gateway-files-')));
}
