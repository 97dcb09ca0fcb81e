import type { MikroORM } from '@mikro-orm/postgresql';
import { ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { chunkText } from '../../shared/files/chunking';
import { FileMissingError, type FileStorage } from '../../shared/files/file-storage';
import { extractText, MAX_EXTRACTED_CHARS, textSourceOf } from '../../shared/files/text-extraction';
import { FileChunk, FileStatus, StoredFile } from '../../shared/persistence/entities';
import type { FileIngestResult } from '../../workflows/file-ingest/file-ingest.contract';

export interface FileIngestActivityDeps {
  orm: MikroORM;
  storage: FileStorage;
}

const INSERT_BATCH = 200;

export interface ExtractedChunks {
  chunks: number;
  textChars: number;
  pageCount: number | null;
  detail: string | null;
}

const gone = (fileId: string) => ApplicationFailure.nonRetryable(`file ${fileId} was deleted`, 'FileGoneError');

async function readAll(storage: FileStorage, key: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of await storage.open(key)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

export function createFileIngestActivities(deps: FileIngestActivityDeps) {
  return {
    /**
     * Marks the file processing, extracts its text and replaces its chunks (a retry rewrites them).
     * Types without text (images, archives, unknown bytes) get no chunks and a reason.
     */
    async extractFileChunks(input: { fileId: string }): Promise<ExtractedChunks> {
      const em = deps.orm.em.fork();
      const file = await em.findOne(StoredFile, { id: input.fileId });
      if (!file) throw gone(input.fileId);
      await em.nativeUpdate(StoredFile, { id: file.id }, { status: FileStatus.Processing, statusDetail: null });
      if (!textSourceOf(file.mimeType)) return { chunks: 0, textChars: 0, pageCount: null, detail: `no text is extracted from ${file.mimeType}` };

      let bytes: Buffer;
      try {
        bytes = await readAll(deps.storage, file.storageKey);
      } catch (err) {
        if (err instanceof FileMissingError) throw (await em.fork().count(StoredFile, { id: file.id })) ? ApplicationFailure.nonRetryable('the stored bytes are missing', 'UnreadableFileError') : gone(file.id);
        throw err;
      }
      Context.current().heartbeat('read');
      let extracted: Awaited<ReturnType<typeof extractText>>;
      try {
        extracted = await extractText(bytes, file.mimeType);
      } catch (err) {
        throw ApplicationFailure.nonRetryable(`could not read the ${file.mimeType} file: ${(err as Error).message}`, 'UnreadableFileError');
      }
      Context.current().heartbeat('extracted');
      const chunks = chunkText(extracted.text);

      try {
        await em.fork().transactional(async (tx) => {
          await tx.nativeDelete(FileChunk, { file: file.id });
          for (let i = 0; i < chunks.length; i += INSERT_BATCH) {
            const rows = chunks.slice(i, i + INSERT_BATCH).map((c) => ({ file: file.id, ordinal: c.ordinal, text: c.text, startOffset: c.start, endOffset: c.end }));
            await tx.insertMany(FileChunk, rows.map((r) => tx.create(FileChunk, r)));
            Context.current().heartbeat(i);
          }
          await tx.nativeUpdate(StoredFile, { id: file.id }, { textChars: extracted.text.length, pageCount: extracted.pageCount, chunkCount: chunks.length });
        });
      } catch (err) {
        if (err instanceof ForeignKeyConstraintViolationException) throw gone(file.id);
        throw err;
      }
      const detail = extracted.truncated ? `text cut at ${MAX_EXTRACTED_CHARS} characters` : extracted.text ? null : 'the file has no text';
      return { chunks: chunks.length, textChars: extracted.text.length, pageCount: extracted.pageCount, detail };
    },

    async finishFileIngest(input: { fileId: string; chunks: ExtractedChunks }): Promise<FileIngestResult> {
      const em = deps.orm.em.fork();
      const updated = await em.nativeUpdate(StoredFile, { id: input.fileId }, { status: FileStatus.Ready, statusDetail: input.chunks.detail, processedAt: new Date() });
      if (!updated) throw gone(input.fileId);
      return { fileId: input.fileId, status: 'ready', chunks: input.chunks.chunks, textChars: input.chunks.textChars, pageCount: input.chunks.pageCount, detail: input.chunks.detail };
    },

    async failFileIngest(input: { fileId: string; detail: string }): Promise<void> {
      await deps.orm.em.fork().nativeUpdate(StoredFile, { id: input.fileId }, { status: FileStatus.Failed, statusDetail: input.detail.slice(0, 2000), processedAt: new Date() });
    },
  };
}

export type FileIngestActivities = ReturnType<typeof createFileIngestActivities>;
