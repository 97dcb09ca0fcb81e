import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Message } from '../../shared/persistence/entities';
import type { Principal } from '../common/auth/principal';
import { ConversationAccess } from './conversation-access.service';
import { ExportFile, ExportFormat, renderExport } from './conversation-export.format';

/** A download of one conversation with all its live messages, oldest first. */
@Injectable()
export class ConversationExportService {
  constructor(
    private readonly em: EntityManager,
    private readonly access: ConversationAccess,
  ) {}

  async export(principal: Principal, id: string, format: ExportFormat): Promise<ExportFile> {
    const c = await this.access.owned(principal, id);
    const messages = await this.em.find(Message, { conversation: c.id, deletedAt: null }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    return renderExport(
      {
        id: c.id,
        title: c.title,
        folder: c.folder,
        tags: c.tags,
        model: c.model,
        systemPrompt: c.systemPrompt,
        createdAt: c.createdAt.toISOString(),
        exportedAt: new Date().toISOString(),
        messages: messages.map((m) => ({
          id: m.id,
          role: m.role,
          content: m.content,
          parentId: m.parentId,
          pinned: m.pinned,
          version: m.version,
          createdAt: m.createdAt.toISOString(),
        })),
      },
      format,
    );
  }
}
