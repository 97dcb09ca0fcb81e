import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MultipartFile } from '@fastify/multipart';
import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../../shared/config/app-config';
import { cleanFileName, detectContentType, REFUSED_TYPES } from '../../shared/files/content-type';
import { fileKey, type FileStorage } from '../../shared/files/file-storage';
import { currentRequestId } from '../../shared/observability/request-context';
import { FileStatus, StoredFile } from '../../shared/persistence/entities';
import { SA } from '../../temporal/search-attributes';
import { TemporalClient } from '../../temporal/temporal-client.module';
import type { fileIngestWorkflow } from '../../workflows';
import { FILE_INGEST_WORKFLOW, fileIngestWorkflowId } from '../../workflows/file-ingest/file-ingest.contract';
import type { Principal } from '../common/auth/principal';
import { ProblemException, Problems } from '../common/problem/problem.exception';
import { FileDto, type UploadedFilesDto } from './dto/file.dto';
import { FILE_STORAGE } from './file-storage.provider';

/** An upload written to the staging area: hashed, counted and typed while it streamed. */
interface StagedFile {
  id: string;
  path: string;
  name: string;
  declaredType: string | null;
  mimeType: string;
  sizeBytes: number;
  sha256: string;
}

class QuotaExceededError extends Error {}

// Busboy's own complaints about a broken multipart body (no error codes of their own).
const MALFORMED_MULTIPART = /unexpected end of (form|file)|malformed|boundary not found|part terminated early|multipart: /i;

/**
 * `POST /files/upload`: every file part streams through a SHA-256 hash and a byte counter into a staged
 * temp file (never held in memory), is typed from its content, then committed to storage. Limits: the
 * size of one file and the number of files (config, 413), the user's quota (413, checked while streaming
 * and again under a per-user lock when the rows are written). All or nothing: any failure removes what
 * this request stored. Each stored file starts its `file-ingest:<id>` workflow.
 */
@Injectable()
export class FileUploadService {
  private readonly logger = new Logger(FileUploadService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly temporal: TemporalClient,
    private readonly config: AppConfig,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
  ) {}

  async upload(p: Principal, req: FastifyRequest): Promise<UploadedFilesDto> {
    if (!req.isMultipart()) throw new ProblemException(415, 'Unsupported media type', 'send the files as multipart/form-data, one part per file');
    const used = await this.usedBytes(p.userId);
    if (used >= this.config.FILE_USER_QUOTA_BYTES) throw this.quotaProblem(used);

    const staged: StagedFile[] = [];
    try {
      let remaining = this.config.FILE_USER_QUOTA_BYTES - used;
      for await (const part of req.files()) {
        const file = await this.stage(part, remaining);
        staged.push(file);
        remaining -= file.sizeBytes;
      }
    } catch (err) {
      await Promise.all(staged.map((s) => rm(s.path, { force: true })));
      throw this.problemOf(err, used);
    }
    if (!staged.length) throw Problems.validation([{ field: 'file', message: 'the request carries no file part' }]);

    const rows = await this.store(p, staged);
    try {
      for (const row of rows) await this.startIngest(p, row);
    } catch (err) {
      // Without its workflow a file would stay pending forever: undo the whole upload, the client retries.
      await this.discard(rows);
      throw err;
    }
    return { items: rows.map(FileDto.from) };
  }

  /** One part into a staged file; the part's stream errors when it passes FILE_MAX_BYTES (multipart limit). */
  private async stage(part: MultipartFile, quotaLeft: number): Promise<StagedFile> {
    const path = this.storage.stagingPath();
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > quotaLeft) return done(new QuotaExceededError());
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(part.file, meter, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
      if (part.file.truncated) throw this.tooLarge();
      const name = cleanFileName(part.filename);
      if (size === 0) throw new ProblemException(422, 'Empty file', `${name} is empty: there is nothing to store`);
      const detected = await detectContentType(path, name);
      if (REFUSED_TYPES.has(detected.mimeType)) {
        throw new ProblemException(422, 'Unsupported file type', `${name} is an executable or installer (${detected.mimeType}); such files are not accepted`, { mimeType: detected.mimeType });
      }
      const declared = (part.mimetype ?? '').slice(0, 127);
      return { id: randomUUID(), path, name, declaredType: declared || null, mimeType: detected.mimeType, sizeBytes: size, sha256: hash.digest('hex') };
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
  }

  /** Commits the bytes, then writes the rows under a per-user lock that re-checks the quota against concurrent uploads. */
  private async store(p: Principal, staged: StagedFile[]): Promise<StoredFile[]> {
    const keys: string[] = [];
    try {
      for (const s of staged) {
        const key = fileKey(p.userId, s.id);
        await this.storage.commit(s.path, key);
        keys.push(key);
      }
      const total = staged.reduce((n, s) => n + s.sizeBytes, 0);
      return await this.em.fork().transactional(async (tx) => {
        const conn = tx.getConnection();
        const ctx = tx.getTransactionContext();
        await conn.execute('select pg_advisory_xact_lock(hashtext(?))', [`files-quota:${p.userId}`], 'all', ctx);
        const [row] = await conn.execute<{ bytes: string | null }[]>('select sum(size_bytes) as bytes from files where owner_id = ?', [p.userId], 'all', ctx);
        const used = Number(row.bytes ?? 0);
        if (used + total > this.config.FILE_USER_QUOTA_BYTES) throw this.quotaProblem(used);
        const rows = staged.map((s) =>
          tx.create(StoredFile, { id: s.id, owner: p.userId, name: s.name, mimeType: s.mimeType, declaredType: s.declaredType, sizeBytes: s.sizeBytes, sha256: s.sha256, storageKey: fileKey(p.userId, s.id), status: FileStatus.Pending }),
        );
        await tx.flush();
        return rows;
      });
    } catch (err) {
      await Promise.all([...keys.map((k) => this.storage.remove(k)), ...staged.map((s) => rm(s.path, { force: true }))]);
      throw err;
    }
  }

  private async startIngest(p: Principal, file: StoredFile): Promise<void> {
    const requestId = currentRequestId();
    await this.temporal.workflow.start<typeof fileIngestWorkflow>(FILE_INGEST_WORKFLOW, {
      workflowId: fileIngestWorkflowId(file.id),
      taskQueue: this.temporal.queue('background'),
      args: [{ fileId: file.id, userId: p.userId, requestId }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: SA.kind, value: 'file-ingest' },
        { key: SA.userId, value: p.userId },
        { key: SA.status, value: 'pending' },
        ...(requestId ? [{ key: SA.requestId, value: requestId }] : []),
      ],
    });
  }

  private async discard(rows: StoredFile[]): Promise<void> {
    await this.em.fork().nativeDelete(StoredFile, { id: { $in: rows.map((r) => r.id) } });
    await Promise.all(rows.map((r) => this.storage.remove(r.storageKey).catch((err: unknown) => this.logger.warn({ err, fileId: r.id }, 'stored bytes not removed'))));
  }

  private async usedBytes(userId: string): Promise<number> {
    const [row] = await this.em.getConnection().execute<{ bytes: string | null }[]>('select sum(size_bytes) as bytes from files where owner_id = ?', [userId]);
    return Number(row.bytes ?? 0);
  }

  private quotaProblem(used: number): ProblemException {
    const quota = this.config.FILE_USER_QUOTA_BYTES;
    return new ProblemException(413, 'Quota exceeded', `this upload would take your files past your quota of ${quota} bytes (${used} used); delete files to make room`, { quotaBytes: quota, usedBytes: used });
  }

  private tooLarge(): ProblemException {
    return new ProblemException(413, 'File too large', `each file may be at most ${this.config.FILE_MAX_BYTES} bytes`, { maxFileBytes: this.config.FILE_MAX_BYTES });
  }

  /** Errors raised while reading the multipart body, as the problems they stand for. */
  private problemOf(err: unknown, used: number): unknown {
    if (err instanceof ProblemException) return err;
    if (err instanceof QuotaExceededError) return this.quotaProblem(used);
    const code = (err as { code?: string }).code;
    switch (code) {
      case 'FST_REQ_FILE_TOO_LARGE':
        return this.tooLarge();
      case 'FST_FILES_LIMIT':
        return new ProblemException(413, 'Too many files', `an upload may carry at most ${this.config.FILE_MAX_PER_UPLOAD} files`, { maxFilesPerUpload: this.config.FILE_MAX_PER_UPLOAD });
      case 'FST_PARTS_LIMIT':
      case 'FST_FIELDS_LIMIT':
        return new ProblemException(413, 'Too many parts', 'the multipart body has too many parts or fields');
      case 'FST_PROTO_VIOLATION':
      case 'FST_MP_PREMATURE_CLOSE':
        return Problems.badRequest((err as Error).message);
    }
    if (err instanceof Error && !code && MALFORMED_MULTIPART.test(err.message)) return Problems.badRequest(`malformed multipart body: ${err.message}`);
    return err;
  }
}
