import { resolve } from 'node:path';
import type { AppConfig } from '../config/app-config';
import type { FileStorage } from './file-storage';
import { LocalFileStorage } from './local-file-storage';

/** The configured file store (FILE_STORAGE; only `local` exists today). */
export function createFileStorage(config: Pick<AppConfig, 'DATA_DIR' | 'FILE_STORAGE_DIR'>): FileStorage {
  return new LocalFileStorage(resolve(config.FILE_STORAGE_DIR ?? resolve(config.DATA_DIR, 'files')));
}
