import type { ErrorObject } from 'ajv';
import { fieldOf, inputAjv } from '../../shared/workflow-definitions/definition-parser';
import type { WorkflowSpec } from '../../workflows/declarative-run/declarative-run.contract';
import type { FieldError } from '../common/problem/problem.exception';

/** Field errors of a run input against the definition's input schema (none when it declares none). */
export function checkInput(spec: Pick<WorkflowSpec, 'input'>, input: unknown, prefix = 'input'): FieldError[] {
  if (!spec.input) return [];
  const validate = inputAjv.compile(spec.input);
  if (validate(input)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => {
    const path = e.instancePath.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const missing = e.keyword === 'required' ? [(e.params as { missingProperty: string }).missingProperty] : [];
    const field = fieldOf([prefix, ...path, ...missing]);
    return { field, message: e.keyword === 'required' ? 'is required' : (e.message ?? 'is invalid') };
  });
}
