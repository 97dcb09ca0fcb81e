import { ArgumentMetadata, HttpStatus, ValidationError, ValidationPipe } from '@nestjs/common';
import { inspectJson } from '../../../shared/validation/json-shape';
import { FieldError, ProblemException, Problems } from './problem.exception';
import { cacheValidationMetadataLookups } from './validation-metadata-cache';

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

class ProblemValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata) {
    // Bounded and iterative, before anything walks the value recursively (class-transformer does).
    const issue = inspectJson(value);
    if (issue?.kind === 'size') throw new ProblemException(HttpStatus.PAYLOAD_TOO_LARGE, 'Payload too large', `${issue.path}: ${issue.message}`, { errors: [{ field: issue.path, message: issue.message }] });
    if (issue) throw Problems.validation([{ field: issue.path, message: issue.message }]);
    return super.transform(value, metadata);
  }
}

/** Bodies, params and queries: validated, transformed to their DTO, unknown fields rejected. */
export function createValidationPipe(): ValidationPipe {
  cacheValidationMetadataLookups();
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
