import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../shared/config/app-config';
import { FileMissingError, type FileStorage } from '../../shared/files/file-storage';
import { ConversationFile, FileShare, StoredFile } from '../../shared/persistence/entities';
import { fileIngestWorkflowId } from '../../workflows/file-ingest/file-ingest.contract';
import type { Principal } from '../common/auth/principal';
import { afterCursor, decodeCursor, toPage } from '../common/pagination/cursor-page';
import { Problems } from '../common/problem/problem.exception';
import { ConversationAccess } from '../conversations/conversation-access.service';
import { type FileBody, fileBody, type DownloadRequest } from './file-download';
import { FileAccess } from './file-access.service';
import { FILE_STORAGE } from './file-storage.provider';
import { FileDto, type FileMetadataDto, type FilePageDto, type FileUsageDto, type ListFilesQueryDto } from './dto/file.dto';

/** `%`, `_` and `\` match themselves in an ILIKE pattern built from user text. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The caller's files: list, metadata, download, delete, usage. Uploads are FileUploadService's. */
@Injectable()
export class FilesService {
  private readonly logger = new Logger(FilesService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly access: FileAccess,
    private readonly conversations: ConversationAccess,
    private readonly config: AppConfig,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
  ) {}

  async list(p: Principal, q: ListFilesQueryDto): Promise<FilePageDto> {
    const where: object[] = [{ owner: p.userId }];
    if (q.type) where.push({ mimeType: q.type.includes('/') ? q.type : { $like: `${likeEscape(q.type)}/%` } });
    if (q.name) where.push({ name: { $ilike: `%${likeEscape(q.name)}%` } });
    if (q.status) where.push({ status: q.status });
    if (q.createdAfter) where.push({ createdAt: { $gte: q.createdAfter } });
    if (q.createdBefore) where.push({ createdAt: { $lt: q.createdBefore } });
    if (q.conversationId) {
      const conversation = await this.conversations.owned(p, q.conversationId);
      // At most MAX_FILES_PER_CONVERSATION ids.
      const links = await this.em.find(ConversationFile, { conversation: conversation.id }, { fields: ['file'] });
      where.push({ id: { $in: links.map((l) => l.file.id) } });
    }
    where.push(afterCursor(decodeCursor(q.cursor)));
    const rows = await this.em.find(StoredFile, { $and: where }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: q.limit + 1 });
    return toPage(rows, q.limit, FileDto.from);
  }

  async usage(p: Principal): Promise<FileUsageDto> {
    const [row] = await this.em.getConnection().execute<{ n: string; bytes: string | null }[]>('select count(*) as n, sum(size_bytes) as bytes from files where owner_id = ?', [p.userId]);
    return {
      files: Number(row.n),
      usedBytes: Number(row.bytes ?? 0),
      quotaBytes: this.config.FILE_USER_QUOTA_BYTES,
      maxFileBytes: this.config.FILE_MAX_BYTES,
      maxFilesPerUpload: this.config.FILE_MAX_PER_UPLOAD,
    };
  }

  async metadata(p: Principal, id: string): Promise<FileMetadataDto> {
    const f = await this.access.owned(p, id);
    const [links, activeShares] = await Promise.all([
      this.em.find(ConversationFile, { file: f.id }, { orderBy: { createdAt: 'asc' } }),
      this.em.count(FileShare, { file: f.id, revokedAt: null, expiresAt: { $gt: new Date() } }),
    ]);
    return {
      ...FileDto.from(f),
      declaredType: f.declaredType,
      statusDetail: f.statusDetail,
      textChars: f.textChars,
      chunkCount: f.chunkCount,
      pageCount: f.pageCount,
      processedAt: f.processedAt?.toISOString() ?? null,
      ingestWorkflowId: fileIngestWorkflowId(f.id),
      conversationIds: links.map((l) => l.conversation.id),
      activeShares,
    };
  }

  async download(p: Principal, id: string, req: DownloadRequest): Promise<FileBody> {
    return openBody(this.storage, await this.access.owned(p, id), req);
  }

  /** The row (with its chunks, shares and attachments) goes first; then the bytes. */
  async remove(p: Principal, id: string): Promise<void> {
    const f = await this.access.owned(p, id);
    await this.em.nativeDelete(StoredFile, { id: f.id, owner: p.userId });
    // A failure here leaves unreferenced bytes under the user's prefix (erasure still removes them), never a row without bytes.
    await this.storage.remove(f.storageKey).catch((err: unknown) => this.logger.warn({ err, fileId: f.id }, 'stored bytes not removed'));
  }
}

/** A download; bytes lost from storage are a 404 for the caller (and logged), not a 500. */
export async function openBody(storage: FileStorage, file: StoredFile, req: DownloadRequest, cacheControl?: string): Promise<FileBody> {
  try {
    return await fileBody(storage, file, req, cacheControl);
  } catch (err) {
    if (err instanceof FileMissingError) {
      new Logger('Files').error({ fileId: file.id }, 'stored bytes missing');
      throw Problems.notFound('File content');
    }
    throw err;
  }
}
