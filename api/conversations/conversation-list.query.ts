import type { EntityManager } from '@mikro-orm/postgresql';
import type { CursorPosition } from '../common/pagination/cursor-page';
import { likePattern } from './conversation-rules';
import type { ListConversationsQueryDto } from './dto/list-conversations.dto';

/** A conversations row with its live message count; timestamps as ISO 8601 text (UTC, ms), as the API shows them. */
export interface ConversationListRow {
  id: string;
  title: string;
  folder: string | null;
  tags: string[] | string;
  bookmarked: boolean;
  model: string | null;
  system_prompt: string | null;
  summary: string | null;
  forked_from_id: string | null;
  forked_at_message_id: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  message_count: number;
}

// Formatted by Postgres: parsing three timestamps a row into Dates was a tenth of the route's CPU.
const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * One page of a user's conversations and their message counts in one round trip, without entity
 * hydration: GET /conversations is a hot route, and it only reads.
 */
export async function listConversationRows(
  em: EntityManager,
  ownerId: string,
  query: ListConversationsQueryDto,
  after: CursorPosition | undefined,
): Promise<ConversationListRow[]> {
  const where = ['c.owner_id = ?', query.deleted ? 'c.deleted_at is not null' : 'c.deleted_at is null'];
  const params: unknown[] = [ownerId];
  const add = (clause: string, ...values: unknown[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (query.folder !== undefined) add('c.folder = ?', query.folder);
  if (query.bookmarked !== undefined) add('c.bookmarked = ?', query.bookmarked);
  if (query.createdAfter) add('c.created_at >= ?', query.createdAfter);
  if (query.createdBefore) add('c.created_at < ?', query.createdBefore);
  if (after) add('(c.created_at < ? or (c.created_at = ? and c.id < ?))', after.createdAt, after.createdAt, after.id);
  if (query.tag) add('c.tags @> cast(? as jsonb)', JSON.stringify([query.tag]));
  if (query.q) {
    const pattern = likePattern(query.q);
    add(
      `(c.title ilike ? or exists (select 1 from messages m
         where m.conversation_id = c.id and m.deleted_at is null and m.content ilike ?))`,
      pattern,
      pattern,
    );
  }
  params.push(query.limit + 1);
  return em.getConnection().execute<ConversationListRow[]>(
    `select c.id, c.title, c.folder, c.tags, c.bookmarked, c.model, c.system_prompt, c.summary,
            c.forked_from_id, c.forked_at_message_id, ${iso('c.created_at')} as created_at,
            ${iso('c.updated_at')} as updated_at, ${iso('c.deleted_at')} as deleted_at,
            (select count(*)::int from messages m where m.conversation_id = c.id and m.deleted_at is null) as message_count
       from conversations c
      where ${where.join(' and ')}
      order by c.created_at desc, c.id desc
      limit ?`,
    params,
  );
}
