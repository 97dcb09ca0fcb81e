import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Problems } from '../common/problem/problem.exception';

/**
 * Opaque, signed search cursors: the engine's sort values after the last hit, the page number (for the
 * hard page cap) and a hash of the query it belongs to. Signed, so a client cannot forge search_after
 * values the engine would choke on (a 400, never a 500) or reuse a cursor with other filters.
 */
export interface CursorState {
  after: unknown[];
  page: number;
}

export class SearchCursor {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('search-cursor/v1').digest();
  }

  static queryHash(parts: unknown): string {
    return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
  }

  encode(state: CursorState, queryHash: string): string {
    const body = Buffer.from(JSON.stringify({ a: state.after, p: state.page, q: queryHash })).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  decode(cursor: string | null | undefined, queryHash: string): CursorState | undefined {
    // JSON null is "no cursor", as absent is (a first page), never a server error.
    if (cursor == null) return undefined;
    const invalid = Problems.badRequest('cursor is not a cursor returned by this search', [{ field: 'cursor', message: 'invalid cursor' }]);
    const [body, sig] = cursor.split('.');
    if (!body || !sig) throw invalid;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid;
    const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { a: unknown[]; p: number; q: string };
    if (parsed.q !== queryHash) throw Problems.badRequest('cursor belongs to another query or other filters', [{ field: 'cursor', message: 'cursor does not match this query' }]);
    return { after: parsed.a, page: parsed.p };
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
