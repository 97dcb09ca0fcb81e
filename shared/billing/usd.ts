/** Exact USD arithmetic on decimal strings, in units of 1e-8 USD (the scale of every money column). */
const SCALE = 100_000_000n;
const DECIMAL = /^-?\d{1,10}(\.\d{1,8})?$/;

export function isUsd(value: string): boolean {
  return DECIMAL.test(value);
}

export function toUnits(usd: string): bigint {
  const negative = usd.startsWith('-');
  const [whole, frac = ''] = (negative ? usd.slice(1) : usd).split('.');
  const units = BigInt(whole || '0') * SCALE + BigInt((frac + '00000000').slice(0, 8));
  return negative ? -units : units;
}

export function fromUnits(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  return `${negative ? '-' : ''}${abs / SCALE}.${(abs % SCALE).toString().padStart(8, '0')}`;
}

/** Normalises any decimal string (Postgres numeric output included) to 8 decimals. */
export function usd(value: string): string {
  return fromUnits(toUnits(value));
}
