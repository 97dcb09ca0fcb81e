import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** One version of the runtime-tunable settings; the highest version is in force. Rows are never updated. */
@Entity({ tableName: 'system_config_versions' })
export class SystemConfigVersion {
  [OptionalProps]?: 'changedBy' | 'createdAt';

  @PrimaryKey({ type: 'integer', autoincrement: false })
  version: number;

  @Property({ type: 'jsonb' })
  settings: Record<string, unknown>;

  @Property({ type: 'uuid', nullable: true })
  changedBy: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
