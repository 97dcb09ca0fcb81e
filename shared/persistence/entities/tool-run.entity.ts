import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import type { ToolCallError } from '../../../workflows/tool-run/tool-run.contract';
import { User } from './user.entity';

export type ToolRunStatus = 'running' | 'completed' | 'failed';

/**
 * One `tool-run:<id>` workflow. Inserted as running when it starts; its outcome, latency and cost
 * are written once (only a running row is updated), so usage stats count each run once.
 */
@Entity({ tableName: 'tool_runs' })
@Index({ properties: ['toolName', 'createdAt'] })
@Index({ properties: ['user', 'createdAt'] })
export class ToolRun {
  [OptionalProps]?: 'workflowId' | 'status' | 'cached' | 'latencyMs' | 'costUsd' | 'result' | 'error' | 'createdAt' | 'completedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string;

  @Property({ type: 'string', length: 64 })
  toolName: string;

  @Property({ type: 'integer' })
  toolVersion: number;

  /** Set when the run's workflow id is not `tool-run:<id>` (a chat turn names its calls by turn, step and index). */
  @Property({ type: 'string', length: 200, nullable: true })
  workflowId: string | null = null;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user: User;

  @Property({ type: 'string', length: 16 })
  status: ToolRunStatus = 'running';

  @Property({ type: 'boolean' })
  cached = false;

  @Property({ type: 'integer', nullable: true })
  latencyMs: number | null = null;

  @Property({ type: 'decimal', precision: 18, scale: 8 })
  costUsd: string = '0';

  @Property({ type: 'json', nullable: true })
  result: unknown = null;

  @Property({ type: 'json', nullable: true })
  error: ToolCallError | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  completedAt: Date | null = null;
}
