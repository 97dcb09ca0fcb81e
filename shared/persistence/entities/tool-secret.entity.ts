import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** A value HTTP tools reference as `{{secret:NAME}}`; sealed with DATA_ENCRYPTION_KEY, never returned. */
@Entity({ tableName: 'tool_secrets' })
export class ToolSecret {
  [OptionalProps]?: 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'string', length: 64 })
  name: string;

  @Property({ type: 'text' })
  sealed: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
