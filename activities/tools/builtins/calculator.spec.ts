import { ToolCallFailure } from '../tool-errors';
import { evaluate } from './calculator';

describe('calculator', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['2 ^ 3 ^ 2', 512],
    ['2 ** 10', 1024],
    ['-2 ^ 2', -4], // as in mathematics: the power binds tighter than the sign
    ['10 % 4', 2],
    ['7 / 2', 3.5],
    ['1.5e3 + .5', 1500.5],
    ['sqrt(16) + abs(-3)', 7],
    ['max(1, 5, 3) - min(4, 2)', 3],
    ['round(pi * 100) / 100', 3.14],
    ['- - 3', 3],
  ])('%s = %s', (expr, expected) => {
    expect(evaluate(expr)).toBeCloseTo(expected, 10);
  });

  it.each([
    ['1 / 0', 'division by zero'],
    ['2 +', 'unexpected end of expression'],
    ['(1 + 2', 'expected ")"'],
    ['1 2', 'unexpected "2"'],
    ['constructor(1)', 'unknown name "constructor"'],
    ['__proto__', 'unknown name "__proto__"'],
    ['process.exit()', 'unexpected character'],
    ['sqrt(1, 2)', 'sqrt takes 1 argument(s)'],
    ['10 ^ 400', 'not a finite number'],
    ['('.repeat(100) + '1' + ')'.repeat(100), 'nested too deeply'],
  ])('refuses %s as an input error', (expr, message) => {
    let err: unknown;
    try {
      evaluate(expr);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ToolCallFailure);
    expect(err).toMatchObject({ type: 'ToolInputError', retryable: false });
    expect((err as Error).message).toContain(message);
  });
});
