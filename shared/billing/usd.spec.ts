import { centsOf, costUsd, fromUnits, isUsd, toUnits, usd } from './usd';

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

describe('costUsd and centsOf', () => {
  it('prices a call exactly, rounding once to 1e-8 USD', () => {
    expect(costUsd(1_000_000, 0, '2.5', '10')).toBe('2.50000000');
    expect(costUsd(3, 7, '0.15', '0.6')).toBe('0.00000465');
    expect(costUsd(1, 0, '0.000000005', '0')).toBe('0.00000000');
    expect(costUsd(1, 0, '0.000000015', '0')).toBe('0.00000000');
    expect(costUsd(1000, 0, '0.000005', '0')).toBe('0.00000001');
  });
  it('moves the point two places for cents, dropping trailing zeros', () => {
    expect([centsOf('0.30000010'), centsOf('12.00000000'), centsOf('0.00000001'), centsOf('0'), centsOf('-0.5')]).toEqual(['30.00001', '1200', '0.000001', '0', '-50']);
  });
});
