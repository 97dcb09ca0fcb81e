import { randomUUID } from 'node:crypto';
import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import type { PolicyRule } from '../../policies/policy-engine';

/** An access policy: rules that allow or deny an action (chat.turn, tool.run, or *). */
@Entity({ tableName: 'policies' })
export class Policy {
  [OptionalProps]?: 'description' | 'enabled' | 'defaultDeny' | 'rules' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 100, unique: true })
  name: string;

  @Property({ type: 'string', length: 500 })
  description: string = '';

  @Property({ type: 'string', length: 32 })
  action: string;

  @Property({ type: 'boolean' })
  enabled: boolean = true;

  /** When no allow rule matches, deny this action (otherwise the default is allow). */
  @Property({ type: 'boolean' })
  defaultDeny: boolean = false;

  @Property({ type: 'jsonb' })
  rules: PolicyRule[] = [];

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
