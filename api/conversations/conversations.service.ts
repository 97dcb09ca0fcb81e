import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Conversation, Message, User } from '../../shared/persistence/entities';
import type { Principal } from '../common/auth/principal';
import { decodeCursor, toPage } from '../common/pagination/cursor-page';
import { Problems } from '../common/problem/problem.exception';
import { ConversationAccess } from './conversation-access.service';
import { listConversationRows } from './conversation-list.query';
import { isRestorable, RESTORE_WINDOW_MS } from './conversation-rules';
import { ConversationDto, ConversationPageDto } from './dto/conversation.dto';
import type { CreateConversationDto } from './dto/create-conversation.dto';
import type { ForkConversationDto } from './dto/fork-conversation.dto';
import type { ListConversationsQueryDto } from './dto/list-conversations.dto';
import type { UpdateConversationDto } from './dto/update-conversation.dto';
import { countMessages } from './message-counts';

/** The caller's own conversations: listing, settings, soft delete and restore, forks. */
@Injectable()
export class ConversationsService {
  constructor(
    private readonly em: EntityManager,
    private readonly access: ConversationAccess,
  ) {}

  async list(principal: Principal, query: ListConversationsQueryDto): Promise<ConversationPageDto> {
    const rows = await listConversationRows(this.em, principal.userId, query, decodeCursor(query.cursor));
    // The cursor needs the last row's createdAt as a Date; only that one is parsed.
    const page = rows.map((row) => ({ row, id: row.id, get createdAt() { return new Date(row.created_at); } }));
    return toPage(page, query.limit, (p) => ConversationDto.fromRow(p.row, RESTORE_WINDOW_MS));
  }

  async create(principal: Principal, dto: CreateConversationDto): Promise<ConversationDto> {
    const conversation = this.em.create(Conversation, {
      owner: this.em.getReference(User, principal.userId),
      ...(dto.title !== undefined ? { title: dto.title } : {}),
      folder: dto.folder ?? null,
      tags: dto.tags ?? [],
      model: dto.model ?? null,
      systemPrompt: dto.systemPrompt ?? null,
    });
    await this.em.flush();
    return ConversationDto.from(conversation, 0, RESTORE_WINDOW_MS);
  }

  async get(principal: Principal, id: string): Promise<ConversationDto> {
    return this.toDto(await this.access.owned(principal, id));
  }

  async update(principal: Principal, id: string, dto: UpdateConversationDto): Promise<ConversationDto> {
    const conversation = await this.access.owned(principal, id);
    if (dto.title !== undefined) conversation.title = dto.title;
    if (dto.folder !== undefined) conversation.folder = dto.folder;
    if (dto.tags !== undefined) conversation.tags = dto.tags;
    if (dto.bookmarked !== undefined) conversation.bookmarked = dto.bookmarked;
    if (dto.model !== undefined) conversation.model = dto.model;
    if (dto.systemPrompt !== undefined) conversation.systemPrompt = dto.systemPrompt;
    await this.em.flush();
    return this.toDto(conversation);
  }

  async remove(principal: Principal, id: string): Promise<void> {
    const conversation = await this.access.owned(principal, id);
    conversation.deletedAt = new Date();
    await this.em.flush();
  }

  async restore(principal: Principal, id: string): Promise<ConversationDto> {
    const conversation = await this.access.owned(principal, id, { includeDeleted: true });
    if (!conversation.deletedAt) throw Problems.conflict('The conversation is not deleted');
    if (!isRestorable(conversation.deletedAt!)) throw Problems.gone('The conversation was deleted more than 30 days ago and can no longer be restored');
    conversation.deletedAt = null;
    await this.em.flush();
    return this.toDto(conversation);
  }

  /** A new conversation of the caller's with copies of the messages up to and including messageId. */
  async fork(principal: Principal, id: string, dto: ForkConversationDto): Promise<ConversationDto> {
    const source = await this.access.owned(principal, id);
    const until = await this.em.findOne(Message, { id: dto.messageId, conversation: source.id, deletedAt: null });
    if (!until) throw Problems.notFound('Message');

    const fork = await this.em.transactional(async (em) => {
      // Same (createdAt, id) order as the message list, so "up to" means what the caller saw.
      const kept = await em.find(
        Message,
        { conversation: source.id, deletedAt: null, $or: [{ createdAt: { $lt: until.createdAt } }, { createdAt: until.createdAt, id: { $lte: until.id } }] },
        { orderBy: { createdAt: 'asc', id: 'asc' } },
      );
      const fork = em.create(Conversation, {
        owner: em.getReference(User, principal.userId),
        title: source.title,
        folder: source.folder,
        tags: [...source.tags],
        model: source.model,
        systemPrompt: source.systemPrompt,
        forkedFromId: source.id,
        forkedAtMessageId: until.id,
      });
      // Copies get new ids; replies keep pointing at the copy of their parent when it was copied.
      const newIds = new Map<string, string>();
      for (const m of kept) {
        const copy = em.create(Message, {
          conversation: fork,
          author: m.author,
          role: m.role,
          content: m.content,
          parentId: m.parentId ? (newIds.get(m.parentId) ?? null) : null,
          model: m.model,
          createdAt: m.createdAt,
        });
        newIds.set(m.id, copy.id);
      }
      return fork;
    });
    return this.toDto(fork);
  }

  private async toDto(conversation: Conversation): Promise<ConversationDto> {
    const counts = await countMessages(this.em, [conversation.id]);
    return ConversationDto.from(conversation, counts.get(conversation.id) ?? 0, RESTORE_WINDOW_MS);
  }
}
