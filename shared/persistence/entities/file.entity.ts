import { randomUUID } from 'node:crypto';
import { BigIntType, Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Conversation } from './conversation.entity';
import { User } from './user.entity';

/** Where a file is in the `file-ingest:<id>` workflow (text extraction and chunking). */
export enum FileStatus {
  Pending = 'pending',
  Processing = 'processing',
  Ready = 'ready',
  Failed = 'failed',
}

/** An uploaded file: metadata here, bytes in the FileStorage under `storageKey`. Goes with its owner. */
@Entity({ tableName: 'files' })
@Index({ properties: ['owner', 'createdAt'] })
@Index({ properties: ['owner', 'mimeType'] })
export class StoredFile {
  [OptionalProps]?: 'status' | 'statusDetail' | 'textChars' | 'chunkCount' | 'pageCount' | 'createdAt' | 'updatedAt' | 'processedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  owner: User;

  /** The client's file name, cleaned (no path, no control characters). */
  @Property({ type: 'string', length: 255 })
  name: string;

  /** Detected from the content, never taken from the client. */
  @Property({ type: 'string', length: 127 })
  mimeType: string;

  /** What the client claimed, kept for the record only. */
  @Property({ type: 'string', length: 127, nullable: true })
  declaredType: string | null = null;

  @Property({ type: new BigIntType('number') })
  sizeBytes: number;

  @Property({ type: 'string', length: 64 })
  sha256: string;

  @Property({ type: 'string', length: 200 })
  storageKey: string;

  @Enum({ items: () => FileStatus, type: 'string' })
  status: FileStatus = FileStatus.Pending;

  /** Why ingest failed or was skipped. */
  @Property({ type: 'text', nullable: true })
  statusDetail: string | null = null;

  @Property({ type: 'integer', nullable: true })
  textChars: number | null = null;

  @Property({ type: 'integer' })
  chunkCount: number = 0;

  @Property({ type: 'integer', nullable: true })
  pageCount: number | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  processedAt: Date | null = null;
}

/** One piece of a file's extracted text, with its character offsets in that text ([start, end)). */
@Entity({ tableName: 'file_chunks' })
@Unique({ properties: ['file', 'ordinal'] })
export class FileChunk {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => StoredFile, { deleteRule: 'cascade' })
  file: StoredFile;

  @Property({ type: 'integer' })
  ordinal: number;

  @Property({ type: 'text' })
  text: string;

  @Property({ type: 'integer' })
  startOffset: number;

  @Property({ type: 'integer' })
  endOffset: number;
}

/** An expiring, revocable public link to a file; only the token's hash is stored. */
@Entity({ tableName: 'file_shares' })
export class FileShare {
  [OptionalProps]?: 'createdAt' | 'revokedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => StoredFile, { deleteRule: 'cascade' })
  @Index()
  file: StoredFile;

  @Property({ type: 'string', length: 64, unique: true })
  tokenHash: string;

  @Property({ type: 'timestamptz' })
  expiresAt: Date;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;
}

/** A file attached to a conversation (both the same owner's). */
@Entity({ tableName: 'conversation_files' })
@Unique({ properties: ['conversation', 'file'] })
@Index({ properties: ['file'] })
export class ConversationFile {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Conversation, { deleteRule: 'cascade' })
  conversation: Conversation;

  @ManyToOne(() => StoredFile, { deleteRule: 'cascade' })
  file: StoredFile;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
