import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { isTextType } from '../../shared/files/content-type';
import { FileMissingError, type FileStorage } from '../../shared/files/file-storage';
import { imageThumbnail, pdfFirstPage, THUMBNAIL_IMAGE_TYPES, type Thumbnail } from '../../shared/files/thumbnails';
import { extractText, normalise } from '../../shared/files/text-extraction';
import { FileChunk, type StoredFile } from '../../shared/persistence/entities';
import type { Principal } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';
import type { FilePreviewDto, FileThumbnailDto } from './dto/file.dto';
import { FileAccess } from './file-access.service';
import { FILE_STORAGE } from './file-storage.provider';

/** Characters of text a preview shows. */
export const PREVIEW_CHARS = 2000;
/** Bytes read from a text file for its preview. */
const TEXT_HEAD_BYTES = 64 * 1024;
/** Chunks read to assemble a PDF's or DOCX's excerpt (they overlap). */
const PREVIEW_CHUNKS = 4;

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

/**
 * `GET /files/:id/preview`: the start of the text (text-like files from their first bytes; PDFs and DOCX
 * from their stored chunks once ingested) and a small image (raster images scaled down; a PDF's first page).
 */
@Injectable()
export class FilePreviewService {
  constructor(
    private readonly em: EntityManager,
    private readonly access: FileAccess,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
  ) {}

  async preview(p: Principal, id: string): Promise<FilePreviewDto> {
    const file = await this.access.owned(p, id);
    try {
      const [text, thumbnail] = await Promise.all([this.text(file), this.thumbnail(file)]);
      return { fileId: file.id, mimeType: file.mimeType, text: text?.text ?? null, textTruncated: text?.truncated ?? false, thumbnail };
    } catch (err) {
      if (err instanceof FileMissingError) throw Problems.notFound('File content');
      throw err;
    }
  }

  private async text(file: StoredFile): Promise<{ text: string; truncated: boolean } | null> {
    if (isTextType(file.mimeType)) {
      const head = await readAll(await this.storage.open(file.storageKey, { start: 0, end: Math.min(file.sizeBytes, TEXT_HEAD_BYTES) - 1 }));
      // The last character may be cut mid-sequence: a streaming decode drops it instead of inventing U+FFFD.
      const decoded = new TextDecoder('utf-8').decode(head, { stream: true });
      const text = file.mimeType === 'text/html' ? (await extractText(Buffer.from(decoded), 'text/html')).text : normalise(decoded);
      return { text: text.slice(0, PREVIEW_CHARS), truncated: text.length > PREVIEW_CHARS || file.sizeBytes > TEXT_HEAD_BYTES };
    }
    if (!file.chunkCount) return null;
    const chunks = await this.em.find(FileChunk, { file: file.id }, { orderBy: { ordinal: 'asc' }, limit: PREVIEW_CHUNKS });
    let text = '';
    let end = 0;
    for (const c of chunks) {
      // Chunks overlap: append only what lies past the previous chunk's end (offsets are in the same text).
      text += (text ? (c.startOffset > end ? ' ' : '') : '') + c.text.slice(Math.max(0, end - c.startOffset));
      end = c.endOffset;
      if (text.length >= PREVIEW_CHARS) break;
    }
    return { text: text.slice(0, PREVIEW_CHARS), truncated: text.length > PREVIEW_CHARS || chunks.length < file.chunkCount || (file.textChars ?? 0) > end };
  }

  private async thumbnail(file: StoredFile): Promise<FileThumbnailDto | null> {
    let thumb: Thumbnail;
    if (THUMBNAIL_IMAGE_TYPES.has(file.mimeType) || file.mimeType === 'application/pdf') {
      const bytes = await readAll(await this.storage.open(file.storageKey));
      try {
        thumb = file.mimeType === 'application/pdf' ? await pdfFirstPage(bytes) : await imageThumbnail(bytes);
      } catch {
        return null; // content a decoder refuses (corrupt, too many pixels): no picture, the rest of the preview stands
      }
      return { contentType: thumb.contentType, width: thumb.width, height: thumb.height, data: thumb.data.toString('base64') };
    }
    return null;
  }
}
