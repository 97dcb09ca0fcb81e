import type { Conversation } from '../../../shared/persistence/entities';
import type { ConversationListRow } from '../conversation-list.query';

export class ConversationDto {
  id: string;
  title: string;
  folder: string | null;
  tags: string[];
  bookmarked: boolean;
  /** Default model for turns in this conversation. */
  model: string | null;
  systemPrompt: string | null;
  summary: string | null;
  /** Messages not deleted. */
  messageCount: number;
  /** Set on a fork: the conversation and message it was copied from. */
  forkedFromId: string | null;
  forkedAtMessageId: string | null;
  createdAt: string;
  updatedAt: string;
  /** Set when soft-deleted; restorable until restorableUntil. */
  deletedAt: string | null;
  restorableUntil: string | null;

  static from(c: Conversation, messageCount: number, restoreWindowMs: number): ConversationDto {
    return {
      id: c.id,
      title: c.title,
      folder: c.folder,
      tags: c.tags,
      bookmarked: c.bookmarked,
      model: c.model,
      systemPrompt: c.systemPrompt,
      summary: c.summary,
      messageCount,
      forkedFromId: c.forkedFromId,
      forkedAtMessageId: c.forkedAtMessageId,
      createdAt: c.createdAt.toISOString(),
      updatedAt: c.updatedAt.toISOString(),
      deletedAt: c.deletedAt?.toISOString() ?? null,
      restorableUntil: c.deletedAt ? new Date(c.deletedAt.getTime() + restoreWindowMs).toISOString() : null,
    };
  }

  /** The same fields from a list row (GET /conversations reads rows, not entities). */
  static fromRow(r: ConversationListRow, restoreWindowMs: number): ConversationDto {
    return {
      id: r.id,
      title: r.title,
      folder: r.folder,
      tags: typeof r.tags === 'string' ? (JSON.parse(r.tags) as string[]) : r.tags,
      bookmarked: r.bookmarked,
      model: r.model,
      systemPrompt: r.system_prompt,
      summary: r.summary,
      messageCount: r.message_count,
      forkedFromId: r.forked_from_id,
      forkedAtMessageId: r.forked_at_message_id,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      deletedAt: r.deleted_at,
      restorableUntil: r.deleted_at ? new Date(Date.parse(r.deleted_at) + restoreWindowMs).toISOString() : null,
    };
  }
}

export class ConversationPageDto {
  items: ConversationDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}
