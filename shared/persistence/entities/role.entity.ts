import { randomUUID } from 'node:crypto';
import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A role as data. Users and teams refer to it by name. The built-ins (admin, member, viewer) are
 * seeded by a migration; until an admin edits them (`customized`), their permissions follow the code's
 * defaults, so a permission added in a release reaches them without another migration.
 */
@Entity({ tableName: 'roles' })
export class Role {
  [OptionalProps]?: 'description' | 'permissions' | 'builtIn' | 'customized' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 64, unique: true })
  name: string;

  @Property({ type: 'string', length: 500 })
  description: string = '';

  @Property({ type: 'text[]' })
  permissions: string[] = [];

  @Property({ type: 'boolean' })
  builtIn: boolean = false;

  @Property({ type: 'boolean' })
  customized: boolean = false;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
