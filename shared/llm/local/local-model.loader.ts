import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ChatWrapper, LlamaContext, LlamaModel } from 'node-llama-cpp';
import { ProviderError } from '../provider.error';
import { GenerationQueue } from './generation.queue';
import { importEsm } from './import-esm';

export interface LocalModelOptions {
  modelPath: string;
  /** CPU threads for evaluation. Few by default: llama.cpp's spinning threads collapse on a busy 2-core host. */
  threads?: number;
  /** Tokens per sequence; the model's training context (at most 8192) when unset. */
  contextSize?: number;
  /** Generations that may run at once; each takes one sequence of the shared context. */
  parallel?: number;
  /** Generations that may wait for a sequence (first come, first served); more are refused as rate limited. */
  maxQueued?: number;
  /** How long a generation may wait for a sequence before it is refused as rate limited. */
  maxQueueWaitMs?: number;
}

export interface LoadedLocalModel {
  llama: typeof import('node-llama-cpp');
  model: LlamaModel;
  context: LlamaContext;
  /** Renders a chat in the model's own format: its embedded Jinja chat template when the GGUF carries one. */
  chatWrapper: ChatWrapper;
  /** Hands out the context's sequences in arrival order. */
  queue: GenerationQueue;
  loadMs: number;
}

/** Each sequence holds its own KV cache for this many tokens, allocated up front: bounded for models trained on far more. */
const DEFAULT_MAX_CONTEXT = 8192;

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
  // The model's own template, not a look-alike: node-llama-cpp's "auto" picks a built-in ChatML wrapper for
  // SmolLM2 that prepends a BOS token the template has not, and the 135M model then answers nonsense.
  const chatWrapper = llama.resolveChatWrapper(model, { type: 'jinjaTemplate', warningLogs: false }) ?? new llama.GeneralChatWrapper();
  const parallel = options.parallel ?? 2;
  const context = await model.createContext({
    contextSize: options.contextSize ?? Math.min(model.trainContextSize, DEFAULT_MAX_CONTEXT),
    sequences: parallel,
    threads: options.threads ?? 1,
  });
  const queue = new GenerationQueue({ slots: parallel, maxQueued: options.maxQueued ?? 16, maxWaitMs: options.maxQueueWaitMs ?? 60_000 });
  return { llama, model, context, chatWrapper, queue, loadMs: performance.now() - started };
}
