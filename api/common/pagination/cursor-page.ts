import { Type } from 'class-transformer';
import { IsInt, isUUID, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Problems } from '../problem/problem.exception';
import { isStorableDate } from '../validation/timestamp.validator';

export const MAX_PAGE_SIZE = 100;

export class CursorPageQuery {
  /** Items per page (1–100). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_PAGE_SIZE)
  limit: number = 20;

  /** Opaque cursor from the previous page's nextCursor. */
  @IsOptional() @IsString() @MaxLength(512)
  cursor?: string;
}

/** Position in a (createdAt desc, id desc) ordering. */
export interface CursorPosition {
  createdAt: Date;
  id: string;
}

export function encodeCursor(pos: CursorPosition): string {
  return Buffer.from(JSON.stringify([pos.createdAt.toISOString(), pos.id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): CursorPosition | undefined {
  if (!cursor) return undefined;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const createdAt = new Date(at);
    // The id is compared against uuid columns: a forged non-UUID would be a Postgres error (500).
    // And a date outside Postgres's range (year 0, -4714, +275760) would be one too.
    if (typeof id !== 'string' || !isUUID(id, 'all') || typeof at !== 'string' || !isStorableDate(createdAt)) throw new Error();
    return { createdAt, id };
  } catch {
    throw Problems.badRequest('cursor is not a cursor returned by this API', [{ field: 'cursor', message: 'invalid cursor' }]);
  }
}

/** MikroORM filter for "after this cursor" in (createdAt, id) order, newest first unless 'asc'. */
export function afterCursor(pos: CursorPosition | undefined, order: 'asc' | 'desc' = 'desc'): object {
  if (!pos) return {};
  const beyond = order === 'asc' ? '$gt' : '$lt';
  return { $or: [{ createdAt: { [beyond]: pos.createdAt } }, { createdAt: pos.createdAt, id: { [beyond]: pos.id } }] };
}

/** Fetch limit+1 rows, then call this: it trims and computes nextCursor. */
export function toPage<T extends CursorPosition, R>(rows: T[], limit: number, map: (row: T) => R): { items: R[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { items: page.map(map), nextCursor: more ? encodeCursor(page[page.length - 1]) : null };
}
