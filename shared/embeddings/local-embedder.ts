import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { PreTrainedModel, PreTrainedTokenizer, Tensor } from '@huggingface/transformers';
import { GenerationQueue } from '../llm/local/generation.queue';
import { importEsm } from '../llm/local/import-esm';
import type { Embedder, EmbeddingResult } from './embedder';

export interface LocalEmbedderOptions {
  /** Folder laid out as transformers.js expects: config.json, tokenizer*.json, onnx/model.onnx (./dev installs it). */
  modelPath: string;
  /** Longer inputs are cut to this many tokens (special tokens included): the length the model was trained on. */
  maxTokens?: number;
  /** Texts per forward pass; bigger batches pad to their longest text, so a moderate size is fastest on CPU. */
  batchSize?: number;
  /** ONNX Runtime intra-op threads: few, since the 2-core host also runs the API, workers and databases. */
  threads?: number;
  dimensions?: number;
  /** Calls that run the model at once; more wait in arrival order, and beyond maxQueued are refused (429). */
  concurrency?: number;
  maxQueued?: number;
  maxQueueWaitMs?: number;
}

interface LoadedModel {
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
}

/** One loaded model per folder and process, shared by every LocalEmbedder; a failed load is forgotten so the next call retries. */
const loaded = new Map<string, Promise<LoadedModel>>();

/**
 * The default Embedder: a sentence-transformers model (mean pooling, L2-normalised) run by ONNX Runtime on the CPU from
 * local files only. Loads lazily on first use, so a process that never embeds pays nothing.
 */
export class LocalEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  readonly maxTokens: number;
  private readonly batchSize: number;
  private readonly modelPath: string;
  /** Bounds the CPU one process spends on embeddings: a burst of requests queues instead of starving the rest. */
  private readonly queue: GenerationQueue;

  constructor(private readonly options: LocalEmbedderOptions) {
    this.modelPath = resolve(options.modelPath);
    this.model = `local/${basename(this.modelPath)}`;
    this.dimensions = options.dimensions ?? 384;
    this.maxTokens = options.maxTokens ?? 256;
    this.batchSize = options.batchSize ?? 16;
    this.queue = new GenerationQueue({ slots: options.concurrency ?? 2, maxQueued: options.maxQueued ?? 64, maxWaitMs: options.maxQueueWaitMs ?? 60_000 });
  }

  async embed(texts: string[]): Promise<EmbeddingResult> {
    if (texts.length === 0) return { vectors: [], tokens: 0 };
    const { tokenizer, model } = await this.load();
    const release = await this.queue.acquire();
    try {
      const vectors: number[][] = [];
      const tokensPerText: number[] = [];
      for (let start = 0; start < texts.length; start += this.batchSize) {
        const batch = texts.slice(start, start + this.batchSize);
        const inputs = tokenizer(batch, { padding: true, truncation: true, max_length: this.maxTokens });
        const output = (await model(inputs)) as { last_hidden_state: Tensor };
        const mask = inputs.attention_mask as Tensor;
        tokensPerText.push(...rowSums(mask));
        vectors.push(...meanPoolNormalized(output.last_hidden_state, mask));
      }
      return { vectors, tokens: tokensPerText.reduce((a, b) => a + b, 0), tokensPerText };
    } finally {
      release();
    }
  }

  /** Tokens each text would use (after truncation), for input limits and usage without running the model. */
  async countTokens(texts: string[]): Promise<number[]> {
    const { tokenizer } = await this.load();
    return texts.map((text) => Math.min(tokenizer.encode(text).length, this.maxTokens));
  }

  private load(): Promise<LoadedModel> {
    const key = `${this.modelPath}|${this.options.threads ?? 1}`;
    let promise = loaded.get(key);
    if (!promise) {
      promise = loadModel(this.modelPath, this.options.threads ?? 1).catch((err: unknown) => {
        loaded.delete(key);
        throw err;
      });
      loaded.set(key, promise);
    }
    return promise;
  }
}

export class EmbeddingModelMissingError extends Error {}

async function loadModel(modelPath: string, threads: number): Promise<LoadedModel> {
  if (!existsSync(join(modelPath, 'onnx', 'model.onnx'))) {
    throw new EmbeddingModelMissingError(`embedding model not found at ${modelPath}; ./dev install puts it there`);
  }
  // Through importEsm: under jest's VM sandbox the native addon's Float32Array must be the same realm's as the library's checks.
  const { env, AutoTokenizer, AutoModel } = await importEsm<typeof import('@huggingface/transformers')>('@huggingface/transformers');
  // Local files only: nothing is ever fetched from a hub at run time.
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = dirname(modelPath) + '/';
  env.useBrowserCache = false;
  env.useFSCache = false;
  const name = basename(modelPath);
  const tokenizer = await AutoTokenizer.from_pretrained(name);
  const model = await AutoModel.from_pretrained(name, {
    dtype: 'fp32',
    device: 'cpu',
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
  });
  return { tokenizer, model };
}

/** Tokens of each row of a batch: its attention mask's ones (padding is zero). */
function rowSums(mask: Tensor): number[] {
  const [rows, cols] = mask.dims as [number, number];
  const data = mask.data as BigInt64Array;
  return Array.from({ length: rows }, (_, r) => {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Number(data[r * cols + c]);
    return sum;
  });
}

/** Mean of the token vectors the attention mask keeps (sentence-transformers' pooling), then L2-normalised. */
function meanPoolNormalized(hidden: Tensor, mask: Tensor): number[][] {
  const [batch, seq, dim] = hidden.dims as [number, number, number];
  const data = hidden.data as Float32Array;
  const keep = mask.data as BigInt64Array;
  const out: number[][] = [];
  for (let b = 0; b < batch; b++) {
    const sum = new Float64Array(dim);
    let count = 0;
    for (let t = 0; t < seq; t++) {
      if (keep[b * seq + t] === 0n) continue;
      count++;
      const offset = (b * seq + t) * dim;
      for (let d = 0; d < dim; d++) sum[d] += data[offset + d];
    }
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      sum[d] /= Math.max(count, 1);
      norm += sum[d] * sum[d];
    }
    norm = Math.sqrt(norm) || 1;
    out.push(Array.from(sum, (v) => v / norm));
  }
  return out;
}
