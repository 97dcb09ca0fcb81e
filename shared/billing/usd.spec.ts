import { fromUnits, isUsd, toUnits, usd } from './usd';

describe('usd', () => {
  it('round-trips exact decimals without float error', () => {
    expect(fromUnits(toUnits('0.1') + toUnits('0.2'))).toBe('0.30000000');
    expect(usd('12.5')).toBe('12.50000000');
    expect(fromUnits(toUnits('1') - toUnits('1.00000001'))).toBe('-0.00000001');
  });
  it('accepts at most 8 decimals and no exponent', () => {
    expect(isUsd('10.12345678')).toBe(true);
    expect(isUsd('0.123456789')).toBe(false);
    expect(isUsd('1e3')).toBe(false);
    expect(isUsd('')).toBe(false);
  });
});
