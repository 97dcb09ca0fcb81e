import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../shared/config/app-config';
import { ConversationShare, Message, MessageVersion } from '../../shared/persistence/entities';
import { randomToken, sha256 } from '../../shared/security/secret-tokens';
import type { Principal } from '../common/auth/principal';
import { API_PREFIX } from '../common/openapi';
import { afterCursor, CursorPageQuery, decodeCursor, toPage } from '../common/pagination/cursor-page';
import { Problems } from '../common/problem/problem.exception';
import { ConversationAccess } from './conversation-access.service';
import { CreatedShareDto, SharedConversationDto, SharePageDto, ShareDto } from './dto/share.dto';

// randomToken(32) is 43 base64url characters; anything else cannot be a token of ours.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Read-only links to a snapshot of a conversation: made and revoked by the owner, read by anyone. */
@Injectable()
export class ConversationSharesService {
  constructor(
    private readonly em: EntityManager,
    private readonly access: ConversationAccess,
    private readonly config: AppConfig,
  ) {}

  async create(principal: Principal, conversationId: string): Promise<CreatedShareDto> {
    const conversation = await this.access.owned(principal, conversationId);
    const token = randomToken(32);
    const share = this.em.create(ConversationShare, { conversation, tokenHash: sha256(token), sharedUntil: new Date() });
    await this.em.flush();
    return {
      id: share.id,
      token,
      url: `${this.config.PUBLIC_URL.replace(/\/+$/, '')}/${API_PREFIX}/shared/${token}`,
      sharedUntil: share.sharedUntil.toISOString(),
      createdAt: share.createdAt.toISOString(),
    };
  }

  async list(principal: Principal, conversationId: string, query: CursorPageQuery): Promise<SharePageDto> {
    const conversation = await this.access.owned(principal, conversationId);
    const rows = await this.em.find(
      ConversationShare,
      { conversation: conversation.id, ...afterCursor(decodeCursor(query.cursor)) },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: query.limit + 1 },
    );
    return toPage(rows, query.limit, ShareDto.from);
  }

  /** Idempotent: revoking a revoked link is fine. */
  async revoke(principal: Principal, conversationId: string, shareId: string): Promise<void> {
    const conversation = await this.access.owned(principal, conversationId);
    const share = await this.em.findOne(ConversationShare, { id: shareId, conversation: conversation.id });
    if (!share) throw Problems.notFound('Share');
    share.revokedAt ??= new Date();
    await this.em.flush();
  }

  /** Unknown, revoked, or of a deleted conversation: all the same 404. */
  async view(token: string, query: CursorPageQuery): Promise<SharedConversationDto> {
    if (!TOKEN_SHAPE.test(token)) throw Problems.notFound('Shared conversation');
    const share = await this.em.findOne(ConversationShare, { tokenHash: sha256(token), revokedAt: null }, { populate: ['conversation'] });
    if (!share || share.conversation.deletedAt) throw Problems.notFound('Shared conversation');

    const rows = await this.em.find(
      Message,
      { conversation: share.conversation.id, deletedAt: null, createdAt: { $lte: share.sharedUntil }, ...afterCursor(decodeCursor(query.cursor), 'asc') },
      { orderBy: { createdAt: 'asc', id: 'asc' }, limit: query.limit + 1 },
    );
    const textThen = await this.textAt(rows.slice(0, query.limit), share.sharedUntil);
    const page = toPage(rows, query.limit, (m) => ({ role: m.role, content: textThen.get(m.id) ?? m.content, createdAt: m.createdAt.toISOString() }));
    return { title: share.conversation.title, sharedAt: share.sharedUntil.toISOString(), ...page };
  }

  /** A message edited after the link was made shows the text it had then: the first version replaced later. */
  private async textAt(messages: Message[], at: Date): Promise<Map<string, string>> {
    const edited = messages.filter((m) => m.version > 1 && m.updatedAt > at).map((m) => m.id);
    const texts = new Map<string, string>();
    if (!edited.length) return texts;
    const versions = await this.em.find(MessageVersion, { message: { $in: edited }, editedAt: { $gt: at } }, { orderBy: { version: 'asc' } });
    for (const v of versions) if (!texts.has(v.message.id)) texts.set(v.message.id, v.content);
    return texts;
  }
}
