import { costUsd, fromUnits, toUnits } from '../../shared/billing/usd';
import type { ModelInfo } from '../../shared/domain/model-registry';

/** A generous token estimate from characters (real tokenizers average ~4 chars per token), plus framing. */
export function estimateInputTokens(chars: number): number {
  return Math.ceil(chars / 3) + 32;
}

/**
 * The most a turn can cost: max output tokens at the output price plus the estimated input at the
 * input price, on the dearest model of its provider chain (a fallback may serve the turn).
 */
export function maxTurnCostUsd(chain: readonly ModelInfo[], maxTokens: number, inputChars: number): string {
  let max = 0n;
  for (const m of chain) {
    const input = Math.min(estimateInputTokens(inputChars), Math.max(0, m.contextTokens - maxTokens));
    const cost = toUnits(costUsd(input, maxTokens, String(m.inputPricePerMTok), String(m.outputPricePerMTok)));
    if (cost > max) max = cost;
  }
  return fromUnits(max);
}
