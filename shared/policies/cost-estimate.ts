import { findModel } from '../domain/model-registry';

/** Output budget assumed when the request sets no maxTokens. */
const DEFAULT_OUTPUT_TOKENS = 1024;

/**
 * An upper-bound guess at a turn's cost before it runs, for policy cost ceilings:
 * ~4 characters per input token, the requested (or default) output budget, list prices.
 */
export function estimateTurnCostUsd(model: string, message: string, maxTokens?: number): number {
  const info = findModel(model);
  if (!info) return 0;
  const inputTokens = Math.ceil(message.length / 4);
  const outputTokens = maxTokens ?? DEFAULT_OUTPUT_TOKENS;
  return (inputTokens * info.inputPricePerMTok + outputTokens * info.outputPricePerMTok) / 1_000_000;
}
