/**
 * Bounds on a parsed JSON (or YAML) value, checked without recursion: a hostile body nested a few
 * thousand levels deep would overflow the stack of any recursive walk (the pipe's, class-transformer's)
 * and surface as a 500.
 */
export interface JsonLimits {
  /** Levels of objects/arrays (the top value is level 1). */
  maxDepth: number;
  /** Object keys plus array elements, over the whole value. */
  maxNodes: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 64, maxNodes: 50_000 };

export interface JsonShapeIssue {
  kind: 'depth' | 'size' | 'nul';
  /** `nodes[2].name`, or `value` for the top. */
  path: string;
  segments: (string | number)[];
  message: string;
}

interface Frame {
  value: unknown;
  depth: number;
  key: string | number | undefined;
  parent: Frame | undefined;
}

function issue(kind: JsonShapeIssue['kind'], frame: Frame, message: string): JsonShapeIssue {
  const segments: (string | number)[] = [];
  for (let f: Frame | undefined = frame; f && f.key !== undefined; f = f.parent) segments.unshift(f.key);
  const path = segments.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('');
  return { kind, path: path || 'value', segments, message };
}

/**
 * The first problem in `value`: too deep, too many keys, or a U+0000 in a string or a key (which
 * Postgres cannot store in text or jsonb). Undefined when it is fine.
 */
export function inspectJson(value: unknown, limits: JsonLimits = DEFAULT_JSON_LIMITS): JsonShapeIssue | undefined {
  const stack: Frame[] = [{ value, depth: 0, key: undefined, parent: undefined }];
  let nodes = 0;
  while (stack.length) {
    const frame = stack.pop()!;
    const v = frame.value;
    if (typeof v === 'string') {
      if (v.includes('\0')) return issue('nul', frame, 'must not contain NUL (U+0000) characters');
      continue;
    }
    if (!v || typeof v !== 'object' || v instanceof Date) continue;
    const depth = frame.depth + 1;
    if (depth > limits.maxDepth) return issue('depth', frame, `must not be nested deeper than ${limits.maxDepth} levels`);
    if (Array.isArray(v)) {
      nodes += v.length;
      if (nodes > limits.maxNodes) return issue('size', frame, `must not hold more than ${limits.maxNodes} keys and elements`);
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth, key: i, parent: frame });
      continue;
    }
    const keys = Object.keys(v);
    nodes += keys.length;
    if (nodes > limits.maxNodes) return issue('size', frame, `must not hold more than ${limits.maxNodes} keys and elements`);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i];
      if (k.includes('\0')) return issue('nul', { value: undefined, depth, key: k.replaceAll('\0', '\\u0000'), parent: frame }, 'keys must not contain NUL (U+0000) characters');
      stack.push({ value: (v as Record<string, unknown>)[k], depth, key: k, parent: frame });
    }
  }
  return undefined;
}
