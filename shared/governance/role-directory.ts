import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { BuiltInRole, Permission, ROLE_PERMISSIONS } from '../domain/roles';
import { GovernanceBus } from './governance-bus';

/** Backstop only: changes arrive through the bus; this bounds staleness if a message is lost. */
const TTL_MS = 10_000;
const MAX_CACHED_USERS = 10_000;
const VALID = new Set<string>(Object.values(Permission));
const ALL: ReadonlySet<Permission> = new Set(Object.values(Permission));

/** Never granted to an impersonated principal: an impersonator cannot reach administration. */
export const ADMIN_PERMISSIONS: readonly Permission[] = [
  Permission.UsersRead,
  Permission.UsersManage,
  Permission.RolesRead,
  Permission.RolesManage,
  Permission.TeamsRead,
  Permission.TeamsManage,
  Permission.PoliciesRead,
  Permission.PoliciesManage,
  Permission.SystemRead,
  Permission.SystemManage,
  Permission.AuditRead,
  Permission.AuditManage,
  Permission.StatsRead,
];

export interface RoleRow {
  name: string;
  permissions: string[];
  built_in: boolean;
  customized: boolean;
}

/** What a role grants: admin everything; an unedited built-in the code's defaults; otherwise the stored list. */
export function effectivePermissions(row: RoleRow): ReadonlySet<Permission> {
  if (row.name === BuiltInRole.Admin && row.built_in) return ALL;
  if (row.built_in && !row.customized && ROLE_PERMISSIONS[row.name]) return new Set(ROLE_PERMISSIONS[row.name]);
  return new Set(row.permissions.filter((p) => VALID.has(p)) as Permission[]);
}

interface UserTeams {
  at: number;
  teamIds: string[];
  roles: string[];
}

/**
 * Role → permissions and user → teams, cached in-process so resolving a principal costs no query
 * on a warm cache. Any change to roles, teams or memberships invalidates every process through the bus.
 */
@Injectable()
export class RoleDirectory {
  private roles?: { at: number; map: Map<string, ReadonlySet<Permission>> };
  private readonly teams = new Map<string, UserTeams>();
  private generation = 0;

  constructor(
    private readonly em: EntityManager,
    bus: GovernanceBus,
  ) {
    bus.on('roles', () => this.invalidate());
    bus.on('caches', () => this.invalidate());
  }

  invalidate(): void {
    this.generation++;
    this.roles = undefined;
    this.teams.clear();
  }

  /**
   * The union of the user's role and their teams' roles, narrowed by API key scopes. When nothing is
   * added or narrowed it is the role's own cached set, shared by every principal of that role (a
   * principal lives as long as its request, which for a stream is the life of the connection).
   */
  async permissionsFor(
    userId: string,
    role: string,
    opts: { scopes?: readonly string[]; impersonated?: boolean } = {},
  ): Promise<ReadonlySet<Permission>> {
    const [roles, teams] = await Promise.all([this.roleMap(), this.teamsOf(userId)]);
    const own = roles.get(role);
    if (own && !teams.roles.length && (!opts.scopes || opts.scopes.includes('*')) && !opts.impersonated) return own;
    const granted = new Set<Permission>(own ?? ROLE_PERMISSIONS[role] ?? []);
    for (const teamRole of teams.roles) for (const p of roles.get(teamRole) ?? []) granted.add(p);
    if (opts.scopes && !opts.scopes.includes('*')) for (const p of granted) if (!opts.scopes.includes(p)) granted.delete(p);
    if (opts.impersonated) for (const p of ADMIN_PERMISSIONS) granted.delete(p);
    return granted;
  }

  async rolePermissions(role: string): Promise<ReadonlySet<Permission> | undefined> {
    return (await this.roleMap()).get(role);
  }

  async teamsOf(userId: string): Promise<{ teamIds: string[]; roles: string[] }> {
    const cached = this.teams.get(userId);
    if (cached && Date.now() - cached.at < TTL_MS) return cached;
    const generation = this.generation;
    const rows = await this.em
      .getConnection()
      .execute<{ id: string; role: string | null }[]>('select t.id, t.role from team_members m join teams t on t.id = m.team_id where m.user_id = ?', [userId]);
    const entry: UserTeams = { at: Date.now(), teamIds: rows.map((r) => r.id), roles: rows.flatMap((r) => (r.role ? [r.role] : [])) };
    // A load that raced an invalidation may be stale: use it for this request, do not keep it.
    if (generation === this.generation) {
      if (this.teams.size >= MAX_CACHED_USERS) this.teams.clear();
      this.teams.set(userId, entry);
    }
    return entry;
  }

  private async roleMap(): Promise<Map<string, ReadonlySet<Permission>>> {
    if (this.roles && Date.now() - this.roles.at < TTL_MS) return this.roles.map;
    const generation = this.generation;
    const rows = await this.em.getConnection().execute<RoleRow[]>('select name, permissions, built_in, customized from roles');
    const map = new Map(rows.map((r) => [r.name, effectivePermissions(r)] as const));
    if (generation === this.generation) this.roles = { at: Date.now(), map };
    return map;
  }
}
