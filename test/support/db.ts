import { knex } from '@mikro-orm/postgresql';
import { stack } from './stack';

/** Direct SQL against the stack's Postgres, for assertions the API does not expose. Use `?` placeholders. */
export async function sql<T = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<T[]> {
  const db = knex({ client: 'pg', connection: stack.databaseUrl, pool: { min: 0, max: 1 } });
  try {
    return ((await db.raw(text, params as never[])) as { rows: T[] }).rows;
  } finally {
    await db.destroy();
  }
}
