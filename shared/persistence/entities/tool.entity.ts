import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import type { HttpToolConfig, ToolKind, ToolRetryPolicy, WorkflowToolConfig } from '../../../workflows/tool-run/tool-run.contract';
import { User } from './user.entity';

/**
 * A registered tool: its name and the columns lists filter on. The definition itself lives in
 * immutable `tool_versions` rows; `currentVersion` points at the one new runs use.
 */
@Entity({ tableName: 'tools' })
export class Tool {
  [OptionalProps]?: 'createdAt' | 'updatedAt' | 'deletedAt' | 'currentVersion';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 64, unique: true })
  name: string;

  @Property({ type: 'string', length: 64 })
  @Index()
  category: string;

  @Property({ type: 'text' })
  description: string;

  /** Roles that may see and run it (copied from the current version, for list filtering). */
  @Property({ type: 'json' })
  allowedRoles: string[];

  @Property({ type: 'integer' })
  currentVersion: number = 1;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  /** Soft delete: gone from the registry, its versions and runs kept for history and usage. */
  @Property({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null = null;
}

/** One immutable definition of a tool; every change is a new row, and runs name the version they used. */
@Entity({ tableName: 'tool_versions' })
@Unique({ properties: ['tool', 'version'] })
export class ToolVersion {
  [OptionalProps]?: 'createdAt' | 'createdBy' | 'http' | 'inputSchema' | 'workflow';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Tool, { deleteRule: 'cascade' })
  tool: Tool;

  @Property({ type: 'integer' })
  version: number;

  @Property({ type: 'string', length: 64 })
  category: string;

  @Property({ type: 'text' })
  description: string;

  @Property({ type: 'string', length: 16 })
  kind: ToolKind;

  @Property({ type: 'json' })
  inputSchema: Record<string, unknown> = { type: 'object' };

  @Property({ type: 'integer' })
  timeoutMs: number;

  @Property({ type: 'json' })
  retry: ToolRetryPolicy;

  @Property({ type: 'integer' })
  resultMaxBytes: number;

  @Property({ type: 'integer' })
  cacheTtlSeconds: number;

  @Property({ type: 'decimal', precision: 18, scale: 8 })
  costPerCallUsd: string;

  @Property({ type: 'boolean' })
  requiresApproval: boolean;

  @Property({ type: 'json' })
  allowedRoles: string[];

  /** HTTP tools: method, URL template, headers (secret references, never values), body template. */
  @Property({ type: 'json', nullable: true })
  http: HttpToolConfig | null = null;

  /** Workflow tools: the declared definition they run. */
  @Property({ type: 'json', nullable: true })
  workflow: WorkflowToolConfig | null = null;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  createdBy: User | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
