import { toolInputError } from '../tool-errors';

/*
 * A tiny Pratt parser over numbers, + - * / % ^, parentheses, a few functions and constants.
 * Chosen over a general math library: user text is never evaluated as code, the grammar is small
 * enough to read in one sitting, and there is no object model to escape from (mathjs's parser has
 * needed several sandbox-escape fixes). Limits on length and depth keep one call cheap.
 */

const MAX_LENGTH = 1000;
const MAX_DEPTH = 64;

const FUNCTIONS: Record<string, { arity: [number, number]; fn: (...a: number[]) => number }> = {
  sqrt: { arity: [1, 1], fn: Math.sqrt },
  abs: { arity: [1, 1], fn: Math.abs },
  round: { arity: [1, 1], fn: Math.round },
  floor: { arity: [1, 1], fn: Math.floor },
  ceil: { arity: [1, 1], fn: Math.ceil },
  exp: { arity: [1, 1], fn: Math.exp },
  ln: { arity: [1, 1], fn: Math.log },
  log10: { arity: [1, 1], fn: Math.log10 },
  sin: { arity: [1, 1], fn: Math.sin },
  cos: { arity: [1, 1], fn: Math.cos },
  tan: { arity: [1, 1], fn: Math.tan },
  min: { arity: [1, 32], fn: Math.min },
  max: { arity: [1, 32], fn: Math.max },
  pow: { arity: [2, 2], fn: Math.pow },
};
const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E };

type Token = { kind: 'num'; value: number } | { kind: 'name'; value: string } | { kind: 'op'; value: string } | { kind: 'end' };

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|[-+*/%^(),]))/y;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) throw toolInputError(`unexpected character at position ${pos + (src.slice(pos).length - src.slice(pos).trimStart().length)}`);
    if (m[1] !== undefined) tokens.push({ kind: 'num', value: Number(m[1]) });
    else if (m[2] !== undefined) tokens.push({ kind: 'name', value: m[2].toLowerCase() });
    else tokens.push({ kind: 'op', value: m[3] === '**' ? '^' : m[3] });
    pos = re.lastIndex;
  }
  tokens.push({ kind: 'end' });
  return tokens;
}

// Binding powers: higher binds tighter; ^ is right-associative.
const INFIX: Record<string, [number, number]> = { '+': [10, 11], '-': [10, 11], '*': [20, 21], '/': [20, 21], '%': [20, 21], '^': [41, 40] };
const PREFIX_POWER = 30;

export function evaluate(expression: string): number {
  if (expression.length > MAX_LENGTH) throw toolInputError(`expression longer than ${MAX_LENGTH} characters`);
  const tokens = tokenize(expression);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const expectOp = (op: string) => {
    const t = next();
    if (t.kind !== 'op' || t.value !== op) throw toolInputError(`expected "${op}"`);
  };

  function parse(minPower: number, depth: number): number {
    if (depth > MAX_DEPTH) throw toolInputError('expression nested too deeply');
    let left = prefix(depth);
    for (;;) {
      const t = peek();
      if (t.kind !== 'op' || !(t.value in INFIX)) break;
      const [lp, rp] = INFIX[t.value];
      if (lp < minPower) break;
      next();
      left = apply(t.value, left, parse(rp, depth + 1));
    }
    return left;
  }

  function prefix(depth: number): number {
    const t = next();
    if (t.kind === 'num') return t.value;
    if (t.kind === 'op' && (t.value === '-' || t.value === '+')) {
      const v = parse(PREFIX_POWER, depth + 1);
      return t.value === '-' ? -v : v;
    }
    if (t.kind === 'op' && t.value === '(') {
      const v = parse(0, depth + 1);
      expectOp(')');
      return v;
    }
    if (t.kind === 'name') {
      if (Object.hasOwn(CONSTANTS, t.value)) return CONSTANTS[t.value];
      if (!Object.hasOwn(FUNCTIONS, t.value)) throw toolInputError(`unknown name "${t.value}"`);
      const f = FUNCTIONS[t.value];
      expectOp('(');
      const args = [parse(0, depth + 1)];
      while (peek().kind === 'op' && (peek() as { value: string }).value === ',') {
        next();
        args.push(parse(0, depth + 1));
      }
      expectOp(')');
      if (args.length < f.arity[0] || args.length > f.arity[1]) throw toolInputError(`${t.value} takes ${f.arity[0] === f.arity[1] ? f.arity[0] : `${f.arity[0]}–${f.arity[1]}`} argument(s)`);
      return f.fn(...args);
    }
    throw toolInputError(t.kind === 'end' ? 'unexpected end of expression' : `unexpected "${(t as { value: string }).value}"`);
  }

  const value = parse(0, 0);
  if (peek().kind !== 'end') throw toolInputError(`unexpected "${(peek() as { value: unknown }).value}"`);
  if (!Number.isFinite(value)) throw toolInputError('the result is not a finite number');
  return value;
}

function apply(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      if (b === 0) throw toolInputError('division by zero');
      return a / b;
    case '%':
      if (b === 0) throw toolInputError('division by zero');
      return a % b;
    default:
      return Math.pow(a, b);
  }
}

export function calculator(input: { expression: string }) {
  return { expression: input.expression, result: evaluate(input.expression) };
}
