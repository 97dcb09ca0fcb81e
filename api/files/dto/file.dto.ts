import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { FileStatus, type StoredFile } from '../../../shared/persistence/entities';
import { CursorPageQuery } from '../../common/pagination/cursor-page';
import { IsTimestamp } from '../../common/validation/timestamp.validator';
import { NoNul, Trim } from '../../conversations/dto/conversation-fields';

export class ListFilesQueryDto extends CursorPageQuery {
  /** A detected MIME type (`application/pdf`) or a top-level type (`image`, `text`). */
  @IsOptional() @IsString() @MaxLength(127) @Matches(/^[a-z0-9]+(\/[a-z0-9][a-z0-9.+-]*)?$/, { message: 'type must be a MIME type such as application/pdf, or a top-level type such as image' })
  type?: string;

  /** Only files attached to this conversation (yours). */
  @IsOptional() @IsUUID('all')
  conversationId?: string;

  /** Case-insensitive substring of the file name. */
  @IsOptional() @Trim() @IsString() @NoNul() @IsNotEmpty() @MaxLength(200)
  name?: string;

  @IsOptional() @IsIn(Object.values(FileStatus))
  status?: FileStatus;

  /** ISO 8601 date or date-time; inclusive. */
  @IsOptional() @IsTimestamp()
  createdAfter?: Date;

  /** ISO 8601 date or date-time; exclusive. */
  @IsOptional() @IsTimestamp()
  createdBefore?: Date;
}

export class FileDto {
  id: string;
  name: string;
  /** Detected from the content (never the client's claim). */
  mimeType: string;
  sizeBytes: number;
  /** Hex SHA-256 of the bytes (also the download's ETag). */
  sha256: string;
  /** Text extraction and chunking: pending → processing → ready | failed. */
  status: FileStatus;
  createdAt: string;
  updatedAt: string;

  static from(f: StoredFile): FileDto {
    return { id: f.id, name: f.name, mimeType: f.mimeType, sizeBytes: f.sizeBytes, sha256: f.sha256, status: f.status, createdAt: f.createdAt.toISOString(), updatedAt: f.updatedAt.toISOString() };
  }
}

export class FilePageDto {
  items: FileDto[];
  nextCursor: string | null;
}

export class UploadedFilesDto {
  /** In the order the parts were sent. */
  items: FileDto[];
}

export class FileMetadataDto extends FileDto {
  /** The type the client sent, kept for the record; never used. */
  declaredType: string | null;
  /** Why ingest failed, or a note on it (no text in this type, text cut at the cap). */
  statusDetail: string | null;
  /** Characters of extracted text. */
  textChars: number | null;
  chunkCount: number;
  /** PDFs only. */
  pageCount: number | null;
  processedAt: string | null;
  /** The Temporal workflow that extracts and chunks the file. */
  ingestWorkflowId: string;
  /** Conversations it is attached to. */
  conversationIds: string[];
  /** Share links that still work (not revoked, not expired). */
  activeShares: number;
}

export class FileUsageDto {
  files: number;
  usedBytes: number;
  quotaBytes: number;
  /** Largest single file an upload may carry. */
  maxFileBytes: number;
  maxFilesPerUpload: number;
}

export class DownloadQueryDto {
  /** `inline` shows raster images, PDFs and plain text in the browser; everything else is always an attachment. */
  @IsOptional() @IsIn(['attachment', 'inline'])
  disposition?: 'attachment' | 'inline';
}

export class FileThumbnailDto {
  contentType: string;
  width: number;
  height: number;
  /** The image, base64. */
  data: string;
}

export class FilePreviewDto {
  fileId: string;
  mimeType: string;
  /** The start of the file's text (text-like files, PDFs and DOCX once processed); null when there is none (yet). */
  text: string | null;
  textTruncated: boolean;
  /** A small image: raster images scaled down, a PDF's first page rendered. */
  thumbnail: FileThumbnailDto | null;
}

export class CreateFileShareDto {
  /** Lifetime of the link in seconds (60 up to FILE_SHARE_MAX_TTL_SECONDS; default 7 days). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(60) @Max(365 * 86400)
  expiresInSeconds?: number;
}

/** Returned once, when the link is made: only the token's hash is stored. */
export class CreatedFileShareDto {
  id: string;
  /** The secret part of the link; it cannot be shown again. */
  token: string;
  /** Public download URL (no sign-in needed) until it expires or is revoked. */
  url: string;
  expiresAt: string;
  createdAt: string;
}

export class FileShareDto {
  id: string;
  expiresAt: string;
  createdAt: string;
  revokedAt: string | null;
  active: boolean;
}

export class FileSharePageDto {
  items: FileShareDto[];
  nextCursor: string | null;
}

export class AttachFileDto {
  /** One of your files. */
  @IsUUID('all')
  fileId: string;
}

export class ConversationFileDto {
  conversationId: string;
  attachedAt: string;
  file: FileDto;
}

export class ConversationFilePageDto {
  items: ConversationFileDto[];
  nextCursor: string | null;
}
