import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ConversationFile } from '../../shared/persistence/entities';
import type { Principal } from '../common/auth/principal';
import { afterCursor, type CursorPageQuery, decodeCursor, toPage } from '../common/pagination/cursor-page';
import { Problems } from '../common/problem/problem.exception';
import { ConversationAccess } from '../conversations/conversation-access.service';
import { type ConversationFileDto, type ConversationFilePageDto, FileDto } from './dto/file.dto';
import { FileAccess } from './file-access.service';

export const MAX_FILES_PER_CONVERSATION = 100;

function toDto(link: ConversationFile): ConversationFileDto {
  return { conversationId: link.conversation.id, attachedAt: link.createdAt.toISOString(), file: FileDto.from(link.file) };
}

/** Files attached to a conversation: both ids must be the caller's (404 otherwise). */
@Injectable()
export class ConversationFilesService {
  constructor(
    private readonly em: EntityManager,
    private readonly conversations: ConversationAccess,
    private readonly files: FileAccess,
  ) {}

  /** Idempotent: attaching an attached file answers the existing link. */
  async attach(p: Principal, conversationId: string, fileId: string): Promise<ConversationFileDto> {
    const conversation = await this.conversations.owned(p, conversationId);
    const file = await this.files.owned(p, fileId);
    const existing = await this.em.findOne(ConversationFile, { conversation: conversation.id, file: file.id }, { populate: ['file'] });
    if (existing) return toDto(existing);
    if ((await this.em.count(ConversationFile, { conversation: conversation.id })) >= MAX_FILES_PER_CONVERSATION) {
      throw Problems.validation([{ field: 'fileId', message: `a conversation holds at most ${MAX_FILES_PER_CONVERSATION} files` }]);
    }
    const link = this.em.create(ConversationFile, { conversation, file });
    await this.em.flush();
    return toDto(link);
  }

  async list(p: Principal, conversationId: string, query: CursorPageQuery): Promise<ConversationFilePageDto> {
    const conversation = await this.conversations.owned(p, conversationId);
    const rows = await this.em.find(ConversationFile, { conversation: conversation.id, ...afterCursor(decodeCursor(query.cursor)) }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: query.limit + 1, populate: ['file'] });
    return toPage(rows, query.limit, toDto);
  }

  async detach(p: Principal, conversationId: string, fileId: string): Promise<void> {
    const conversation = await this.conversations.owned(p, conversationId);
    const removed = await this.em.nativeDelete(ConversationFile, { conversation: conversation.id, file: fileId });
    if (!removed) throw Problems.notFound('Attached file');
  }
}
