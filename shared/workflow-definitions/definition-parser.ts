import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { WorkflowNode, WorkflowSpec } from '../../workflows/declarative-run/declarative-run.contract';
import { DEFINITION_SCHEMA } from './definition.schema';
import { inspectJson } from '../validation/json-shape';
import { checkExpression, ExpressionError, templateExpressions } from './expressions';

export interface DefinitionError {
  /** `nodes[2].then`; empty for the document itself. */
  field: string;
  /** 1-based line in the source, when the error has a place in it. */
  line?: number;
  message: string;
}

export type ParseResult = { ok: true; spec: WorkflowSpec; format: 'yaml' | 'json' } | { ok: false; errors: DefinitionError[] };

const ajv = new Ajv({ allErrors: true, discriminator: true, strict: false });
addFormats(ajv);
const validateDefinition = ajv.compile<WorkflowSpec>(DEFINITION_SCHEMA);
/** Ajv for user input schemas (the definition's `input`). */
export const inputAjv = addFormats(new Ajv({ allErrors: true, strict: false }));

type Path = (string | number)[];

export function fieldOf(path: Path): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/** Locates YAML/JSON nodes by path (JSON is parsed as YAML, its superset, to get positions too). */
class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  line(path: Path): number | undefined {
    for (let p = path; ; p = p.slice(0, -1)) {
      const node = p.length ? this.doc.getIn(p, true) : this.doc.contents;
      const range = (node as { range?: [number, number, number] } | null)?.range;
      if (range) return this.lines.linePos(range[0]).line;
      if (!p.length) return undefined;
    }
  }
}

function ajvError(e: ErrorObject, at: Locator): DefinitionError {
  const path: Path = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return { field: fieldOf([...path, missing]), line: at.line(path), message: `is required` };
  }
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return { field: fieldOf([...path, extra]), line: at.line([...path, extra]), message: 'is not a known field here' };
  }
  if (e.keyword === 'discriminator') {
    const tag = (e.params as { tag: string }).tag;
    return { field: fieldOf([...path, tag]), line: at.line([...path, tag]), message: `must be one of the known ${tag === 'kind' ? 'action kinds (http, llm, notify, tool)' : 'values'}` };
  }
  const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
  return { field: fieldOf(path), line: at.line(path), message: allowed ? `must be one of ${allowed.join(', ')}` : (e.message ?? 'is invalid') };
}

/** Rules a schema cannot say: unique ids, jump targets in the same list, expressions that parse. */
function semanticErrors(spec: WorkflowSpec, at: Locator): DefinitionError[] {
  const errors: DefinitionError[] = [];
  const seen = new Set<string>();
  const err = (path: Path, message: string) => errors.push({ field: fieldOf(path), line: at.line(path), message });
  const expr = (path: Path, e: string | undefined) => {
    if (e === undefined) return;
    try {
      checkExpression(e);
    } catch (x) {
      err(path, x instanceof ExpressionError ? x.message : String(x));
    }
  };
  const templated = (path: Path, value: unknown) => {
    if (typeof value === 'string') for (const e of templateExpressions(value)) expr(path, e);
    else if (Array.isArray(value)) value.forEach((v, k) => templated([...path, k], v));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) templated([...path, k], v);
  };

  const list = (nodes: WorkflowNode[], path: Path) => {
    const ids = new Set(nodes.map((n) => n.id));
    const target = (p: Path, id: string | undefined) => id !== undefined && !ids.has(id) && err(p, `"${id}" is not a node in the same list`);
    nodes.forEach((n, i) => {
      const p = [...path, i];
      if (seen.has(n.id)) err([...p, 'id'], `"${n.id}" is used by another node`);
      seen.add(n.id);
      target([...p, 'next'], n.next);
      if (n.type === 'decision') {
        n.cases.forEach((c, k) => (expr([...p, 'cases', k, 'when'], c.when), target([...p, 'cases', k, 'then'], c.then)));
        target([...p, 'else'], n.else);
      } else if (n.type === 'approval') {
        target([...p, 'onReject'], n.onReject);
        templated([...p, 'message'], n.message);
      } else if (n.type === 'parallel') {
        if (n.join === 'n' && !(n.count && n.count <= n.branches.length)) err([...p, 'count'], `join n needs a count between 1 and ${n.branches.length}`);
        n.branches.forEach((b, k) => list(b.nodes, [...p, 'branches', k, 'nodes']));
      } else if (n.type === 'loop') {
        if (Boolean(n.forEach) === Boolean(n.while)) err(p, 'a loop needs exactly one of forEach or while');
        expr([...p, 'forEach'], n.forEach);
        expr([...p, 'while'], n.while);
        list(n.do, [...p, 'do']);
      } else if (n.type === 'wait') {
        if ([n.duration, n.until, n.signal].filter((x) => x !== undefined).length !== 1) err(p, 'a wait needs exactly one of duration, until or signal');
        if (n.until !== undefined && !templateExpressions(n.until).length && Number.isNaN(Date.parse(n.until))) err([...p, 'until'], 'must be an ISO-8601 time or a ${{ expression }}');
        templated([...p, 'until'], n.until);
      } else if (n.type === 'sub-workflow') {
        templated([...p, 'input'], n.input);
      } else if (n.type === 'action') {
        const { id: _i, type: _t, kind: _k, next: _n, end: _e, name: _m, ...fields } = n;
        templated(p, fields);
      }
    });
  };
  list(spec.nodes, ['nodes']);
  if (spec.input) {
    try {
      inputAjv.compile(spec.input);
    } catch (x) {
      err(['input'], `is not a valid JSON Schema: ${(x as Error).message}`);
    }
  }
  const kinds = (spec.triggers ?? []).map((t) => t.type);
  kinds.forEach((k, i) => kinds.indexOf(k) !== i && err(['triggers', i, 'type'], `a second ${k} trigger`));
  return errors;
}

const tooDeep: ParseResult = { ok: false, errors: [{ field: '', line: 1, message: 'the definition is nested too deeply' }] };

/** Parses a YAML or JSON definition and validates it; errors carry the field and the line. */
export function parseDefinition(source: string, format?: 'yaml' | 'json'): ParseResult {
  const fmt = format ?? (/^\s*[{[]/.test(source) ? 'json' : 'yaml');
  const lines = new LineCounter();
  let doc: Document;
  let value: unknown;
  try {
    doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    // The YAML parser recurses: a source nested thousands of levels deep overflows its stack.
    if (doc.errors.some((e) => /call stack/i.test(e.message))) return tooDeep;
    if (doc.errors.length) {
      return { ok: false, errors: doc.errors.map((e) => ({ field: '', line: e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line, message: e.message.split('\n')[0] })) };
    }
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    if (err instanceof RangeError) return tooDeep;
    throw err;
  }
  const at = new Locator(doc, lines);
  // Escapes such as "\0" or "\u0000" decode to U+0000, which Postgres cannot store (text or jsonb).
  const issue = inspectJson(value);
  if (issue) return { ok: false, errors: [{ field: fieldOf(issue.segments), line: at.line(issue.kind === 'nul' ? issue.segments : []) ?? 1, message: issue.message }] };
  if (!value || typeof value !== 'object' || Array.isArray(value) || !(isMap(doc.contents) || isSeq(doc.contents))) {
    return { ok: false, errors: [{ field: '', line: 1, message: 'a definition is a mapping with name and nodes' }] };
  }
  if (!validateDefinition(value)) {
    // A discriminator failure says it all for its node; skip the noise under the same path.
    const errs = (validateDefinition.errors ?? []).map((e) => ajvError(e, at));
    const unique = errs.filter((e, i) => errs.findIndex((o) => o.field === e.field && o.message === e.message) === i);
    return { ok: false, errors: unique };
  }
  const errors = semanticErrors(value, at);
  return errors.length ? { ok: false, errors } : { ok: true, spec: value, format: fmt };
}
