/** Soft-deleted conversations can be restored for this long; a purge job may remove them after. */
export const RESTORE_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

export function isRestorable(deletedAt: Date, now = new Date()): boolean {
  return now.getTime() - deletedAt.getTime() <= RESTORE_WINDOW_MS;
}

/** LIKE treats % and _ as wildcards; a search for "a_b" means those characters. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
