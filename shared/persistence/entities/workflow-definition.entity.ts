import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import type { WorkflowSpec } from '../../../workflows/declarative-run/declarative-run.contract';
import { User } from './user.entity';

/**
 * A declared workflow owned by a user. Its content lives in immutable `workflow_definition_versions`
 * rows; `currentVersion` is the one new runs start with (a run keeps the version it started with).
 */
@Entity({ tableName: 'workflow_definitions' })
@Index({ properties: ['owner', 'createdAt', 'id'] })
export class WorkflowDefinition {
  [OptionalProps]?: 'createdAt' | 'updatedAt' | 'deletedAt' | 'currentVersion' | 'webhookSecret' | 'description';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  owner: User;

  @Property({ type: 'string', length: 200 })
  name: string;

  @Property({ type: 'text' })
  description: string = '';

  @Property({ type: 'integer' })
  currentVersion: number = 1;

  /** Inbound webhook HMAC key, sealed with DATA_ENCRYPTION_KEY; shown once, at creation. */
  @Property({ type: 'text', nullable: true, hidden: true })
  webhookSecret: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null = null;
}

/** One immutable version: the source as written (YAML or JSON) and the validated spec runs use. */
@Entity({ tableName: 'workflow_definition_versions' })
@Unique({ properties: ['definition', 'version'] })
export class WorkflowDefinitionVersion {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => WorkflowDefinition, { deleteRule: 'cascade' })
  definition: WorkflowDefinition;

  @Property({ type: 'integer' })
  version: number;

  @Property({ type: 'string', length: 8 })
  format: 'yaml' | 'json';

  @Property({ type: 'text' })
  source: string;

  @Property({ type: 'json' })
  spec: WorkflowSpec;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
