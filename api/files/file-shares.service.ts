import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../../shared/config/app-config';
import type { FileStorage } from '../../shared/files/file-storage';
import { FileShare } from '../../shared/persistence/entities';
import { randomToken, sha256 } from '../../shared/security/secret-tokens';
import type { Principal } from '../common/auth/principal';
import { API_PREFIX } from '../common/openapi';
import { afterCursor, type CursorPageQuery, decodeCursor, toPage } from '../common/pagination/cursor-page';
import { Problems } from '../common/problem/problem.exception';
import type { CreatedFileShareDto, CreateFileShareDto, FileShareDto, FileSharePageDto } from './dto/file.dto';
import type { DownloadRequest, FileBody } from './file-download';
import { FileAccess } from './file-access.service';
import { FILE_STORAGE } from './file-storage.provider';
import { openBody } from './files.service';

// randomToken(32) is 43 base64url characters; anything else cannot be a token of ours.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const DEFAULT_TTL_SECONDS = 7 * 86400;

function toDto(s: FileShare, now = new Date()): FileShareDto {
  return { id: s.id, expiresAt: s.expiresAt.toISOString(), createdAt: s.createdAt.toISOString(), revokedAt: s.revokedAt?.toISOString() ?? null, active: s.revokedAt === null && s.expiresAt > now };
}

/** Expiring, revocable public download links: made, listed and revoked by the owner, followed by anyone. */
@Injectable()
export class FileSharesService {
  constructor(
    private readonly em: EntityManager,
    private readonly access: FileAccess,
    private readonly config: AppConfig,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
  ) {}

  async create(p: Principal, fileId: string, dto: CreateFileShareDto): Promise<CreatedFileShareDto> {
    const file = await this.access.owned(p, fileId);
    const ttl = dto.expiresInSeconds ?? Math.min(DEFAULT_TTL_SECONDS, this.config.FILE_SHARE_MAX_TTL_SECONDS);
    if (ttl > this.config.FILE_SHARE_MAX_TTL_SECONDS) {
      throw Problems.validation([{ field: 'expiresInSeconds', message: `must be at most ${this.config.FILE_SHARE_MAX_TTL_SECONDS}` }]);
    }
    const token = randomToken(32);
    const share = this.em.create(FileShare, { file, tokenHash: sha256(token), expiresAt: new Date(Date.now() + ttl * 1000) });
    await this.em.flush();
    return {
      id: share.id,
      token,
      url: `${this.config.PUBLIC_URL.replace(/\/+$/, '')}/${API_PREFIX}/files/shared/${token}`,
      expiresAt: share.expiresAt.toISOString(),
      createdAt: share.createdAt.toISOString(),
    };
  }

  async list(p: Principal, fileId: string, query: CursorPageQuery): Promise<FileSharePageDto> {
    const file = await this.access.owned(p, fileId);
    const rows = await this.em.find(FileShare, { file: file.id, ...afterCursor(decodeCursor(query.cursor)) }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: query.limit + 1 });
    const now = new Date();
    return toPage(rows, query.limit, (s) => toDto(s, now));
  }

  /** Idempotent: revoking a revoked link is fine. */
  async revoke(p: Principal, fileId: string, shareId: string): Promise<void> {
    const file = await this.access.owned(p, fileId);
    const share = await this.em.findOne(FileShare, { id: shareId, file: file.id });
    if (!share) throw Problems.notFound('Share');
    share.revokedAt ??= new Date();
    await this.em.flush();
  }

  /** Unknown and revoked: 404; past its expiry: 410. Ranges work as on the owner's download. */
  async open(token: string, req: DownloadRequest): Promise<FileBody> {
    if (!TOKEN_SHAPE.test(token)) throw Problems.notFound('Shared file');
    const share = await this.em.findOne(FileShare, { tokenHash: sha256(token), revokedAt: null }, { populate: ['file'] });
    if (!share) throw Problems.notFound('Shared file');
    if (share.expiresAt <= new Date()) throw Problems.gone('This share link has expired');
    return openBody(this.storage, share.file, req, 'private, no-store');
  }
}
