import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { isISO8601, ValidateBy, ValidationOptions } from 'class-validator';

/**
 * Instants the API accepts: years 1–9999. JavaScript dates reach ±275760 and year 0, which
 * Postgres refuses (or cannot even parse as sent), so anything outside would surface as a 500.
 */
export const EARLIEST_TIMESTAMP = new Date('0001-01-01T00:00:00.000Z');
export const LATEST_TIMESTAMP = new Date('9999-12-31T23:59:59.999Z');

export function isStorableDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime()) && value >= EARLIEST_TIMESTAMP && value <= LATEST_TIMESTAMP;
}

const RANGE = 'an ISO 8601 date-time between 0001-01-01 and 9999-12-31';

/** An ISO 8601 string, turned into a Date in range (query or body); anything else is a 400 naming the field. */
export function IsTimestamp(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && isISO8601(value, { strict: true }) ? new Date(value) : value)),
    ValidateBy(
      { name: 'isTimestamp', validator: { validate: (v) => isStorableDate(v), defaultMessage: (a) => `${a?.property} must be ${RANGE}` } },
      options,
    ),
  );
}

/** Like IsTimestamp, for fields kept as the ISO 8601 string. */
export function IsTimestampString(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimestampString',
      validator: {
        validate: (v) => typeof v === 'string' && isISO8601(v, { strict: true }) && isStorableDate(new Date(v)),
        defaultMessage: (a) => `${a?.property} must be ${RANGE}`,
      },
    },
    options,
  );
}
