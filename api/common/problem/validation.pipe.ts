import { ValidationError, ValidationPipe } from '@nestjs/common';
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

/** Bodies, params and queries: validated, transformed to their DTO, unknown fields rejected. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
