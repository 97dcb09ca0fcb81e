import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, Problems } from './problem.exception';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.entries(e.constraints ?? {}).map(([rule, message]) => ({
      field,
      message: rule === 'whitelistValidation' ? `unknown field "${field}"` : message,
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Path of the first string holding U+0000, which Postgres cannot store (it would surface as a 500). */
function findNul(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path || 'value' : undefined;
  if (!value || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    const hit = findNul(v, path ? `${path}.${k}` : k);
    if (hit) return hit;
  }
  return undefined;
}

class ProblemValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata) {
    const field = findNul(value);
    if (field) throw Problems.validation([{ field, message: 'must not contain NUL (U+0000) characters' }]);
    return super.transform(value, metadata);
  }
}

/** Bodies, params and queries: validated, transformed to their DTO, unknown fields rejected. */
export function createValidationPipe(): ValidationPipe {
  return new ProblemValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return fields.length ? Problems.validation(fields) : Problems.badRequest('The request body must be a JSON object');
    },
  });
}
