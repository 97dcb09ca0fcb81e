// The one seam between text and vectors. Implementations: the local ONNX sentence model (default, offline)
// and the configured OpenAI-compatible provider's /embeddings. Vectors are L2-normalised, so cosine = dot.
export interface Embedder {
  /** Model id as reported in POST /embeddings responses (e.g. "local/all-minilm-l6-v2"). */
  readonly model: string;
  readonly dimensions: number;
  /** Max input tokens per text; longer texts are truncated by the implementation. */
  readonly maxTokens: number;
  embed(texts: string[]): Promise<EmbeddingResult>;
}

export interface EmbeddingResult {
  vectors: number[][];
  /** Tokens consumed, for usage accounting (OpenAI's usage.prompt_tokens). */
  tokens: number;
  /** Tokens of each text, when the implementation knows them (the local model does; hosted providers report a total). */
  tokensPerText?: number[];
}
