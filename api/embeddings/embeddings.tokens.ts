/** Nest injection token of the process's Embedder (shared/embeddings/embedder.ts). */
export const EMBEDDER = Symbol('EMBEDDER');
