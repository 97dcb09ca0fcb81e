import type { Message, MessageCitation, MessageVersion } from '../../../shared/persistence/entities';

export class ReactionDto {
  emoji: string;
  count: number;
  /** Whether the caller is one of the reactors. */
  mine: boolean;
}

export class CitationDto implements MessageCitation {
  /** The number the reply cites it by: [n]. */
  n: number;
  fileId: string;
  fileName: string;
  /** The chunk's ordinal in the file. */
  chunk: number;
  /** Character range of the chunk in the file's extracted text. */
  startOffset: number;
  endOffset: number;
  /** Whether the reply's text refers to [n]. */
  cited: boolean;
}

export class MessageDto {
  id: string;
  conversationId: string;
  /** user, assistant, system or tool. */
  role: string;
  /** Markdown, as written. */
  content: string;
  /** The user who wrote it; null for assistant, system and tool messages. */
  authorId: string | null;
  /** Thread: the message this one replies to. */
  parentId: string | null;
  model: string | null;
  /** An assistant message that called tools: the calls (id, name, JSON arguments). */
  toolCalls?: { id: string; name: string; arguments: string }[];
  /** A tool message: the call it answers. */
  toolCallId?: string;
  /** A reply grounded in the conversation's attached files: the excerpts it was given, numbered as cited ("[n]"). */
  citations?: CitationDto[];
  pinned: boolean;
  /** 1 for an unedited message; earlier texts are under /versions. */
  version: number;
  reactions: ReactionDto[];
  createdAt: string;
  updatedAt: string;

  static from(m: Message, reactions: ReactionDto[]): MessageDto {
    return {
      id: m.id,
      conversationId: m.conversation.id,
      role: m.role,
      content: m.content,
      authorId: m.author?.id ?? null,
      parentId: m.parentId,
      model: m.model,
      ...(m.toolCalls ? { toolCalls: m.toolCalls } : {}),
      ...(m.toolCallId ? { toolCallId: m.toolCallId } : {}),
      ...(m.citations ? { citations: m.citations } : {}),
      pinned: m.pinned,
      version: m.version,
      reactions,
      createdAt: m.createdAt.toISOString(),
      updatedAt: m.updatedAt.toISOString(),
    };
  }
}

export class MessagePageDto {
  items: MessageDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** A text the message had before an edit. */
export class MessageVersionDto {
  version: number;
  content: string;
  /** When this text was replaced by the next version. */
  editedAt: string;

  static from(v: MessageVersion): MessageVersionDto {
    return { version: v.version, content: v.content, editedAt: v.editedAt.toISOString() };
  }
}

export class MessageVersionPageDto {
  items: MessageVersionDto[];
  nextCursor: string | null;
}

export class ReactionResultDto {
  emoji: string;
  /** true when this call added the caller's reaction, false when it removed it. */
  reacted: boolean;
  reactions: ReactionDto[];
}
