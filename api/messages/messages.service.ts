import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Conversation, Message, MessageRole, MessageVersion, User } from '../../shared/persistence/entities';
import type { Principal } from '../common/auth/principal';
import { afterCursor, CursorPageQuery, decodeCursor, toPage } from '../common/pagination/cursor-page';
import { Problems } from '../common/problem/problem.exception';
import { ConversationAccess } from '../conversations/conversation-access.service';
import type { CreateMessageDto, EditMessageDto, ListMessagesQueryDto, PinMessageDto, ReactDto } from './dto/message-input.dto';
import { MessageDto, MessagePageDto, MessageVersionDto, MessageVersionPageDto, ReactionResultDto } from './dto/message.dto';
import { MessageReactions } from './message-reactions.service';

/**
 * Messages of the caller's own conversations. Every message id (path or body) is looked up
 * inside the conversation that was already checked, so another user's ids answer 404.
 */
@Injectable()
export class MessagesService {
  constructor(
    private readonly em: EntityManager,
    private readonly access: ConversationAccess,
    private readonly reactions: MessageReactions,
  ) {}

  async list(principal: Principal, conversationId: string, query: ListMessagesQueryDto): Promise<MessagePageDto> {
    const conversation = await this.access.owned(principal, conversationId);
    if (query.parentId) await this.find(conversation, query.parentId, 'Parent message');
    const rows = await this.em.find(
      Message,
      {
        conversation: conversation.id,
        deletedAt: null,
        ...(query.parentId ? { parentId: query.parentId } : {}),
        ...afterCursor(decodeCursor(query.cursor), query.order),
      },
      { orderBy: { createdAt: query.order, id: query.order }, limit: query.limit + 1 },
    );
    const page = rows.slice(0, query.limit);
    const reactions = await this.reactions.aggregate(principal.userId, page.map((m) => m.id));
    return toPage(rows, query.limit, (m) => MessageDto.from(m, reactions.get(m.id) ?? []));
  }

  async create(principal: Principal, conversationId: string, dto: CreateMessageDto): Promise<MessageDto> {
    const conversation = await this.access.owned(principal, conversationId);
    if (dto.parentId) await this.find(conversation, dto.parentId, 'Parent message');
    const message = this.em.create(Message, {
      conversation,
      author: this.em.getReference(User, principal.userId),
      role: MessageRole.User,
      content: dto.content,
      parentId: dto.parentId ?? null,
    });
    conversation.updatedAt = new Date();
    await this.em.flush();
    return MessageDto.from(message, []);
  }

  async get(principal: Principal, conversationId: string, id: string): Promise<MessageDto> {
    const message = await this.find(await this.access.owned(principal, conversationId), id);
    return this.toDto(principal, message);
  }

  /** Only the author edits; the replaced text is kept as a version. */
  async edit(principal: Principal, conversationId: string, id: string, dto: EditMessageDto): Promise<MessageDto> {
    const conversation = await this.access.owned(principal, conversationId);
    const message = await this.em.transactional(async (em) => {
      // Locked so two concurrent edits cannot both store the same version number.
      const message = await em.findOne(Message, { id, conversation: conversation.id, deletedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!message) throw Problems.notFound('Message');
      if (message.author?.id !== principal.userId) throw Problems.forbidden('Only the author of a message can edit it');
      if (message.content === dto.content) return message;
      em.create(MessageVersion, { message, version: message.version, content: message.content });
      message.content = dto.content;
      message.version += 1;
      return message;
    });
    return this.toDto(principal, message);
  }

  async versions(principal: Principal, conversationId: string, id: string, query: CursorPageQuery): Promise<MessageVersionPageDto> {
    const message = await this.find(await this.access.owned(principal, conversationId), id);
    // Versions are paged by (editedAt, id) oldest first; the cursor helpers speak createdAt.
    const at = decodeCursor(query.cursor);
    const rows = await this.em.find(
      MessageVersion,
      { message: message.id, ...(at ? { $or: [{ editedAt: { $gt: at.createdAt } }, { editedAt: at.createdAt, id: { $gt: at.id } }] } : {}) },
      { orderBy: { editedAt: 'asc', id: 'asc' }, limit: query.limit + 1 },
    );
    const positioned = rows.map((v) => ({ createdAt: v.editedAt, id: v.id, v }));
    return toPage(positioned, query.limit, ({ v }) => MessageVersionDto.from(v));
  }

  /** Soft delete, by the author or the conversation's owner; replies stay. */
  async remove(principal: Principal, conversationId: string, id: string): Promise<void> {
    const conversation = await this.access.owned(principal, conversationId);
    const message = await this.find(conversation, id);
    const allowed = message.author?.id === principal.userId || conversation.owner.id === principal.userId;
    if (!allowed) throw Problems.forbidden('Only the author or the conversation owner can delete a message');
    message.deletedAt = new Date();
    await this.em.flush();
  }

  async react(principal: Principal, conversationId: string, id: string, dto: ReactDto): Promise<ReactionResultDto> {
    const message = await this.find(await this.access.owned(principal, conversationId), id);
    return this.reactions.toggle(principal.userId, message, dto.emoji);
  }

  async pin(principal: Principal, conversationId: string, id: string, dto: PinMessageDto): Promise<MessageDto> {
    const conversation = await this.access.owned(principal, conversationId);
    if (conversation.owner.id !== principal.userId) throw Problems.forbidden('Only the conversation owner can pin messages');
    const message = await this.find(conversation, id);
    message.pinned = dto.pinned;
    await this.em.flush();
    return this.toDto(principal, message);
  }

  private async find(conversation: Conversation, id: string, what = 'Message'): Promise<Message> {
    const message = await this.em.findOne(Message, { id, conversation: conversation.id, deletedAt: null });
    if (!message) throw Problems.notFound(what);
    return message;
  }

  private async toDto(principal: Principal, message: Message): Promise<MessageDto> {
    const reactions = await this.reactions.aggregate(principal.userId, [message.id]);
    return MessageDto.from(message, reactions.get(message.id) ?? []);
  }
}
