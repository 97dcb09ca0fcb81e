import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LlamaContext, LlamaModel } from 'node-llama-cpp';
import { ProviderError } from '../provider.error';
import { importEsm } from './import-esm';

export interface LocalModelOptions {
  modelPath: string;
  /** CPU threads for evaluation. Few by default: llama.cpp's spinning threads collapse on a busy 2-core host. */
  threads?: number;
  contextSize?: number;
  /** Generations that may run at once; each takes one sequence of the shared context. */
  parallel?: number;
}

export interface LoadedLocalModel {
  llama: typeof import('node-llama-cpp');
  model: LlamaModel;
  context: LlamaContext;
  loadMs: number;
}

let loaded: { key: string; promise: Promise<LoadedLocalModel> } | undefined;

/** One model per process, loaded on first use and reused; a failed load is forgotten so the next call retries. */
export function loadLocalModel(options: LocalModelOptions): Promise<LoadedLocalModel> {
  const key = JSON.stringify(options);
  if (loaded?.key === key) return loaded.promise;
  if (loaded) void loaded.promise.then((m) => m.model.dispose(), () => undefined);
  const promise = load(options).catch((err) => {
    if (loaded?.promise === promise) loaded = undefined;
    throw err;
  });
  loaded = { key, promise };
  return promise;
}

/** Frees the process's model (tests, shutdown). */
export async function unloadLocalModel(): Promise<void> {
  const current = loaded;
  loaded = undefined;
  if (current) await current.promise.then((m) => m.model.dispose(), () => undefined);
}

async function load(options: LocalModelOptions): Promise<LoadedLocalModel> {
  const modelPath = resolve(options.modelPath);
  if (!existsSync(modelPath)) {
    throw new ProviderError('upstream', `local model not found at ${modelPath}; ./dev install fetches it`, { provider: 'local', retryable: false });
  }
  const started = performance.now();
  const llama = await importEsm<typeof import('node-llama-cpp')>('node-llama-cpp');
  // Prebuilt CPU binaries only: never compile, never download.
  const runtime = await llama.getLlama({ build: 'never', gpu: false, logLevel: llama.LlamaLogLevel.error, progressLogs: false, skipDownload: true });
  const model = await runtime.loadModel({ modelPath });
  const context = await model.createContext({
    contextSize: options.contextSize ?? 4096,
    sequences: options.parallel ?? 2,
    threads: options.threads ?? 1,
  });
  return { llama, model, context, loadMs: performance.now() - started };
}
