import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { Problems } from '../problem/problem.exception';

/** Path ids must be UUIDs: anything else is a 400 problem naming the parameter, never a 500 from Postgres. */
@Injectable()
export class UuidParamPipe implements PipeTransform<string, string> {
  /** `alias` (e.g. "me") is passed through unchanged. */
  constructor(private readonly alias?: string) {}

  /** For the OpenAPI document. */
  get aliasValue(): string | undefined {
    return this.alias;
  }

  transform(value: string, meta: ArgumentMetadata): string {
    if (this.alias !== undefined && value === this.alias) return value;
    if (isUUID(value, 'all')) return value.toLowerCase();
    const field = meta.data ?? 'id';
    const expected = this.alias ? `a UUID or "${this.alias}"` : 'a UUID';
    throw Problems.validation([{ field, message: `${field} must be ${expected}` }]);
  }
}

export const UUID = new UuidParamPipe();
export const UUID_OR_ME = new UuidParamPipe('me');
