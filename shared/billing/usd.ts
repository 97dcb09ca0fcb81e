/**
 * The money module: exact USD arithmetic on decimal strings, never through a float. Amounts are
 * integers of 1e-8 USD (the scale of every money column); prices per million tokens are read at
 * 1e-12 so a call's cost rounds once, at the end.
 */
const DIGITS = 8;
const DECIMAL = /^-?\d{1,10}(\.\d{1,8})?$/;
const PRICE_DIGITS = 12;

export function isUsd(value: string): boolean {
  return DECIMAL.test(value);
}

/** A decimal string as an integer count of 10^-digits (further decimals are dropped). */
function scaled(decimal: string, digits: number): bigint {
  const trimmed = decimal.trim();
  const negative = trimmed.startsWith('-');
  const [whole, frac = ''] = (negative ? trimmed.slice(1) : trimmed).split('.');
  const units = BigInt(whole || '0') * 10n ** BigInt(digits) + BigInt(frac.padEnd(digits, '0').slice(0, digits) || '0');
  return negative ? -units : units;
}

/** A decimal string with the decimal point `digits` from the right, trailing zeros kept. */
function decimalOf(units: bigint, digits: number): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const scale = 10n ** BigInt(digits);
  return `${negative ? '-' : ''}${abs / scale}.${(abs % scale).toString().padStart(digits, '0')}`;
}

export function toUnits(usd: string): bigint {
  return scaled(usd, DIGITS);
}

export function fromUnits(units: bigint): string {
  return decimalOf(units, DIGITS);
}

/** Normalises any decimal string (Postgres numeric output included) to 8 decimals. */
export function usd(value: string): string {
  return fromUnits(toUnits(value));
}

/** Exact cost in USD (8 decimals, rounded half up) of a call, from per-million-token prices given as decimals. */
export function costUsd(inputTokens: number, outputTokens: number, inputPerMTok: string, outputPerMTok: string): string {
  const pico = (BigInt(inputTokens) * scaled(inputPerMTok, PRICE_DIGITS) + BigInt(outputTokens) * scaled(outputPerMTok, PRICE_DIGITS)) / 1_000_000n;
  const half = 10n ** BigInt(PRICE_DIGITS - DIGITS) / 2n;
  return fromUnits((pico + half) / 10n ** BigInt(PRICE_DIGITS - DIGITS));
}

/** '1.23456789' USD → '123.456789' cents (Stripe's decimal amounts): the point moves two places, trailing zeros go. */
export function centsOf(totalUsd: string): string {
  const cents = decimalOf(toUnits(totalUsd), DIGITS - 2).replace(/\.?0+$/, '');
  return cents === '-0' ? '0' : cents;
}
