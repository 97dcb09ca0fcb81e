import type { EntityManager } from '@mikro-orm/postgresql';

/** Live (not deleted) message counts for a page of conversations, in one query. */
export async function countMessages(em: EntityManager, conversationIds: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (!conversationIds.length) return counts;
  const rows: { conversation_id: string; n: number }[] = await em.getConnection().execute(
    `select conversation_id, count(*)::int as n from messages
      where deleted_at is null and conversation_id in (${conversationIds.map(() => '?').join(', ')})
      group by conversation_id`,
    conversationIds,
  );
  for (const row of rows) counts.set(row.conversation_id, row.n);
  return counts;
}
