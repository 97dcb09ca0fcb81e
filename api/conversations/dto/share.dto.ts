import type { ConversationShare } from '../../../shared/persistence/entities';

/** Returned once, when the link is made: only the token's hash is stored. */
export class CreatedShareDto {
  id: string;
  /** The secret part of the link; it cannot be shown again. */
  token: string;
  /** Public, read-only URL (no sign-in needed). */
  url: string;
  /** Messages written after this instant are not visible through the link. */
  sharedUntil: string;
  createdAt: string;
}

export class ShareDto {
  id: string;
  sharedUntil: string;
  createdAt: string;
  revokedAt: string | null;
  active: boolean;

  static from(share: ConversationShare): ShareDto {
    return {
      id: share.id,
      sharedUntil: share.sharedUntil.toISOString(),
      createdAt: share.createdAt.toISOString(),
      revokedAt: share.revokedAt?.toISOString() ?? null,
      active: share.revokedAt === null,
    };
  }
}

export class SharePageDto {
  items: ShareDto[];
  nextCursor: string | null;
}

/** A message as an anonymous reader sees it: no ids, no author. */
export class SharedMessageDto {
  role: string;
  content: string;
  createdAt: string;
}

export class SharedConversationDto {
  title: string;
  sharedAt: string;
  /** Oldest first; only messages that existed when the link was made, with their text at that time. */
  items: SharedMessageDto[];
  nextCursor: string | null;
}
