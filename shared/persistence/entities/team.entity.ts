import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { User } from './user.entity';

/** A group of users; every member inherits the permissions of the team's role on top of their own. */
@Entity({ tableName: 'teams' })
export class Team {
  [OptionalProps]?: 'description' | 'role' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 100, unique: true })
  name: string;

  @Property({ type: 'string', length: 500 })
  description: string = '';

  /** Role name (roles.name) granted to every member; null grants nothing extra. */
  @Property({ type: 'string', length: 64, nullable: true })
  @Index()
  role: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

export type TeamRole = 'lead' | 'member';

@Entity({ tableName: 'team_members' })
@Unique({ properties: ['team', 'user'] })
export class TeamMember {
  [OptionalProps]?: 'teamRole' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Team, { deleteRule: 'cascade' })
  team: Team;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  @Index()
  user: User;

  /** The member's standing inside the team (informational; permissions come from the team's role). */
  @Property({ type: 'string', length: 16 })
  teamRole: TeamRole = 'member';

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
