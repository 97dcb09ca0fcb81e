import { Jexl } from 'jexl';

/**
 * The definition language's expressions: jexl, an interpreter over its own AST (no eval, no
 * `new Function`), with no access to globals. Strings may embed `${{ expression }}`; a string that
 * is one template alone yields the value itself (a list stays a list).
 */
const jexl = new Jexl();
jexl.addTransform('length', (v: unknown) => (Array.isArray(v) || typeof v === 'string' ? v.length : 0));
jexl.addTransform('upper', (v: unknown) => String(v ?? '').toUpperCase());
jexl.addTransform('lower', (v: unknown) => String(v ?? '').toLowerCase());
jexl.addTransform('json', (v: unknown) => JSON.stringify(v ?? null));
jexl.addTransform('keys', (v: unknown) => (v && typeof v === 'object' ? Object.keys(v) : []));

const TEMPLATE = /\$\{\{([\s\S]+?)\}\}/g;
const WHOLE = /^\$\{\{([\s\S]+?)\}\}$/;

export class ExpressionError extends Error {
  constructor(
    readonly expression: string,
    cause: unknown,
  ) {
    super(`expression "${expression.slice(0, 120)}": ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ExpressionError';
  }
}

/** Throws ExpressionError when the expression does not parse. */
export function checkExpression(expression: string): void {
  try {
    jexl.compile(expression);
  } catch (err) {
    throw new ExpressionError(expression, err);
  }
}

export function evaluateExpression(expression: string, scope: Record<string, unknown>): unknown {
  try {
    return jexl.evalSync(expression, scope);
  } catch (err) {
    throw new ExpressionError(expression, err);
  }
}

/** The expressions embedded in a string (for validation). */
export function templateExpressions(text: string): string[] {
  return [...text.matchAll(TEMPLATE)].map((m) => m[1].trim());
}

/** Resolves `${{ }}` templates in every string of a JSON value. */
export function renderTemplates(value: unknown, scope: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return evaluateExpression(whole[1].trim(), scope) ?? null;
    return value.replace(TEMPLATE, (_, expr: string) => {
      const v = evaluateExpression(expr.trim(), scope);
      return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean);
    });
  }
  if (Array.isArray(value)) return value.map((v) => renderTemplates(v, scope));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderTemplates(v, scope)]));
  return value;
}
