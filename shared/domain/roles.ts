/**
 * Permissions are `<resource>:<action>` strings. Built-in roles map to sets of them;
 * an API key's scopes narrow its owner's permissions, never widen them.
 */
export enum Permission {
  UsersRead = 'users:read',
  UsersManage = 'users:manage',
  /** Governance (admins by default): roles, teams, access policies, system settings, everyone's stats. */
  RolesRead = 'roles:read',
  RolesManage = 'roles:manage',
  TeamsRead = 'teams:read',
  TeamsManage = 'teams:manage',
  PoliciesRead = 'policies:read',
  PoliciesManage = 'policies:manage',
  SystemRead = 'system:read',
  SystemManage = 'system:manage',
  StatsRead = 'stats:read',
  SelfManage = 'self:manage',
  ChatUse = 'chat:use',
  ConversationsRead = 'conversations:read',
  ConversationsWrite = 'conversations:write',
  ToolsRead = 'tools:read',
  ToolsRun = 'tools:run',
  ToolsManage = 'tools:manage',
  /** Admin only: the audit trail, reports and the chain check. */
  AuditRead = 'audit:read',
  AuditManage = 'audit:manage',
  WorkflowsRead = 'workflows:read',
  WorkflowsRun = 'workflows:run',
  /** Create, change and delete one's own definitions (admins: everyone's). */
  WorkflowsManage = 'workflows:manage',
  NotificationsRead = 'notifications:read',
  NotificationsManage = 'notifications:manage',
  ApprovalsRead = 'approvals:read',
  ApprovalsDecide = 'approvals:decide',
  ApprovalsRequest = 'approvals:request',
  ApprovalsManage = 'approvals:manage',
  /** One's own usage, credits, budgets and invoices. */
  BillingRead = 'billing:read',
  /** One's own subscription and payment methods. */
  BillingWrite = 'billing:write',
  /** Admin only: budgets and credit grants for anyone. */
  BillingManage = 'billing:manage',
}

export enum BuiltInRole {
  Admin = 'admin',
  Member = 'member',
  Viewer = 'viewer',
}

const ALL = Object.values(Permission);

export const ROLE_PERMISSIONS: Record<string, readonly Permission[]> = {
  [BuiltInRole.Admin]: ALL,
  [BuiltInRole.Member]: [
    Permission.SelfManage,
    Permission.ChatUse,
    Permission.ConversationsRead,
    Permission.ConversationsWrite,
    Permission.ToolsRead,
    Permission.ToolsRun,
    Permission.WorkflowsRead,
    Permission.WorkflowsRun,
    Permission.WorkflowsManage,
    Permission.NotificationsRead,
    Permission.ApprovalsRead,
    Permission.ApprovalsDecide,
    Permission.BillingRead,
    Permission.BillingWrite,
  ],
  [BuiltInRole.Viewer]: [Permission.SelfManage, Permission.ConversationsRead, Permission.ToolsRead, Permission.WorkflowsRead, Permission.NotificationsRead, Permission.ApprovalsRead, Permission.BillingRead],
};

export const KNOWN_ROLES = Object.keys(ROLE_PERMISSIONS);

export function permissionsOf(role: string, scopes?: readonly string[]): Set<Permission> {
  const granted = ROLE_PERMISSIONS[role] ?? [];
  if (!scopes || scopes.includes('*')) return new Set(granted);
  return new Set(granted.filter((p) => scopes.includes(p)));
}
