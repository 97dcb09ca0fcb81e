import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from './user.entity';

export enum UserExportStatus {
  Running = 'running',
  Completed = 'completed',
  Failed = 'failed',
}

/** One `user-export:<id>` run: a user's own data as a ZIP. Goes with the user (cascade) and expires. */
@Entity({ tableName: 'user_exports' })
@Index({ properties: ['user', 'createdAt'] })
@Index({ properties: ['expiresAt'] })
export class UserExport {
  [OptionalProps]?: 'status' | 'areasDone' | 'items' | 'sizeBytes' | 'error' | 'createdAt' | 'completedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user: User;

  @Enum({ items: () => UserExportStatus, type: 'string' })
  status: UserExportStatus = UserExportStatus.Running;

  @Property({ type: 'integer' })
  areasDone: number = 0;

  @Property({ type: 'integer' })
  items: number = 0;

  @Property({ type: 'integer' })
  sizeBytes: number = 0;

  @Property({ type: 'text', nullable: true })
  error: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  completedAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  expiresAt: Date;
}

/** One page of one area as a JSON array fragment; a retried page overwrites itself. Dropped once zipped. */
@Entity({ tableName: 'user_export_pages' })
export class UserExportPage {
  @ManyToOne(() => UserExport, { primary: true, deleteRule: 'cascade' })
  export: UserExport;

  @PrimaryKey({ type: 'string', length: 40 })
  area: string;

  @PrimaryKey({ type: 'integer' })
  pageNo: number;

  @Property({ type: 'text' })
  content: string;
}

/** The ZIP in ordered chunks (bytea), read back in order by the download. */
@Entity({ tableName: 'user_export_chunks' })
export class UserExportChunk {
  @ManyToOne(() => UserExport, { primary: true, deleteRule: 'cascade' })
  export: UserExport;

  @PrimaryKey({ type: 'integer' })
  chunkNo: number;

  @Property({ type: 'blob' })
  data: Buffer;
}
