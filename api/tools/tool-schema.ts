import { Injectable } from '@nestjs/common';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FieldError } from '../common/problem/problem.exception';

const MAX_SCHEMA_BYTES = 65_536;
const MAX_COMPILED = 500;

/** `/a/0/b` → `input.a[0].b`. */
function fieldOf(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : `${acc}.${p}`), 'input');
}

function toFieldError(e: ErrorObject): FieldError {
  const params = e.params as { missingProperty?: string; additionalProperty?: string };
  if (e.keyword === 'required' && params.missingProperty) return { field: fieldOf(e.instancePath, params.missingProperty), message: 'is required' };
  if (e.keyword === 'additionalProperties' && params.additionalProperty) return { field: fieldOf(e.instancePath, params.additionalProperty), message: 'is not allowed' };
  return { field: fieldOf(e.instancePath), message: e.message ?? 'is invalid' };
}

/** Tool input schemas (Ajv 8 + ajv-formats): checked as schemas on register, then used to validate inputs. */
@Injectable()
export class ToolSchemas {
  private readonly ajv = new Ajv({ allErrors: true, strict: false, validateSchema: true });
  // Compiled per tool version (versions are immutable), bounded so a long-lived API does not grow.
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    addFormats(this.ajv);
  }

  /** The reasons a schema cannot be used for tool input ([] when it can). */
  schemaProblems(schema: Record<string, unknown>): FieldError[] {
    if (JSON.stringify(schema).length > MAX_SCHEMA_BYTES) return [{ field: 'inputSchema', message: `must be at most ${MAX_SCHEMA_BYTES} bytes of JSON` }];
    if (schema.type !== 'object') return [{ field: 'inputSchema.type', message: 'must be "object": tool input is a JSON object' }];
    if (schema.$async) return [{ field: 'inputSchema.$async', message: 'asynchronous schemas are not supported' }];
    if (!this.ajv.validateSchema(schema)) {
      return (this.ajv.errors ?? []).map((e) => ({ field: `inputSchema${e.instancePath.replace(/\//g, '.')}`, message: e.message ?? 'is invalid' }));
    }
    try {
      this.ajv.compile(schema);
      this.ajv.removeSchema(schema);
    } catch (err) {
      return [{ field: 'inputSchema', message: (err as Error).message }];
    }
    return [];
  }

  /** Per-field errors of `input` against the schema of tool version `key` ([] when valid). */
  validate(key: string, schema: Record<string, unknown>, input: unknown): FieldError[] {
    let fn = this.compiled.get(key);
    if (!fn) {
      fn = this.ajv.compile(schema);
      this.ajv.removeSchema(schema);
      if (this.compiled.size >= MAX_COMPILED) this.compiled.delete(this.compiled.keys().next().value!);
      this.compiled.set(key, fn);
    }
    return fn(input) ? [] : (fn.errors ?? []).map(toFieldError);
  }
}
