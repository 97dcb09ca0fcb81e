import type { Provider } from '@nestjs/common';
import { AppConfig } from '../../shared/config/app-config';
import type { FileStorage } from '../../shared/files/file-storage';
import { createFileStorage } from '../../shared/files/file-storage.factory';

/** Injection token of the configured FileStorage (the same store the workers read). */
export const FILE_STORAGE = Symbol('FILE_STORAGE');

export const fileStorageProvider: Provider<FileStorage> = {
  provide: FILE_STORAGE,
  useFactory: (config: AppConfig) => createFileStorage(config),
  inject: [AppConfig],
};
