import type { MikroORM } from '@mikro-orm/postgresql';
import { Message } from '../../../shared/persistence/entities';

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Messages of the caller's own live conversations containing the query (case-insensitive).
 * `userId` comes from the run (the authenticated caller), never from the tool input.
 */
export async function conversationSearch(orm: MikroORM, userId: string, input: { query: string; limit?: number }) {
  const rows = await orm.em.fork().find(
    Message,
    { deletedAt: null, content: { $ilike: `%${escapeLike(input.query)}%` }, conversation: { owner: userId, deletedAt: null } },
    { populate: ['conversation'], orderBy: { createdAt: 'desc', id: 'desc' }, limit: input.limit ?? 10 },
  );
  return {
    query: input.query,
    matches: rows.map((m) => ({
      conversationId: m.conversation.id,
      conversationTitle: m.conversation.title,
      messageId: m.id,
      role: m.role,
      snippet: snippet(m.content, input.query),
      createdAt: m.createdAt.toISOString(),
    })),
  };
}

function snippet(text: string, query: string, radius = 80): string {
  const at = text.toLowerCase().indexOf(query.toLowerCase());
  if (at < 0) return text.slice(0, radius * 2);
  const start = Math.max(0, at - radius);
  return `${start > 0 ? '…' : ''}${text.slice(start, at + query.length + radius)}${at + query.length + radius < text.length ? '…' : ''}`;
}
