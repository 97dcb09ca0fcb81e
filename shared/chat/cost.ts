const SCALE = 10n ** 12n;

function toPico(decimal: string): bigint {
  const [whole, frac = ''] = decimal.trim().split('.');
  return BigInt(whole || '0') * SCALE + BigInt((frac + '000000000000').slice(0, 12));
}

/** Exact cost in USD (8 decimals) of a call, from per-million-token prices given as decimals. */
export function costUsd(inputTokens: number, outputTokens: number, inputPerMTok: string, outputPerMTok: string): string {
  const pico = (BigInt(inputTokens) * toPico(inputPerMTok) + BigInt(outputTokens) * toPico(outputPerMTok)) / 1_000_000n;
  const units = (pico + 5_000n) / 10_000n; // round to 1e-8 USD
  const whole = units / 100_000_000n;
  const frac = (units % 100_000_000n).toString().padStart(8, '0');
  return `${whole}.${frac}`;
}
