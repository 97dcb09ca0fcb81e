import type { UserExportArea } from '../../workflows/user-export/user-export.contract';

/**
 * What each area of an export reads. Columns are listed (never `*`), so a secret added to a table
 * later does not leak into exports: password and key hashes, MFA secrets, token hashes and webhook
 * secrets are never selected. `where` uses `:user` for the user id; pages are keyset pages on `key`.
 */
export interface ExportAreaSpec {
  table: string;
  columns: string[];
  where: string;
  key: string;
}

const OWN_CONVERSATIONS = 'select id from conversations where owner_id = :user';
const OWN_MESSAGES = `select id from messages where conversation_id in (${OWN_CONVERSATIONS}) or author_id = :user`;

export const EXPORT_AREAS: Record<UserExportArea, ExportAreaSpec> = {
  profile: { table: 'users', columns: ['id', 'email', 'name', 'role', 'status', 'email_verified_at', 'mfa_enabled', 'created_at', 'updated_at', 'deleted_at'], where: 'id = :user', key: 'id' },
  'notification-preferences': { table: 'notification_preferences', columns: ['category', 'in_app', 'email', 'updated_at'], where: 'user_id = :user', key: 'category' },
  sessions: { table: 'sessions', columns: ['id', 'user_agent', 'ip', 'method', 'created_at', 'last_used_at', 'expires_at', 'revoked_at', 'revoked_reason'], where: 'user_id = :user', key: 'id' },
  'api-keys': { table: 'api_keys', columns: ['id', 'name', 'prefix', 'scopes', 'created_at', 'expires_at', 'revoked_at', 'last_used_at', 'last_used_ip'], where: 'user_id = :user', key: 'id' },
  identities: { table: 'user_identities', columns: ['id', 'provider', 'subject', 'email', 'created_at'], where: 'user_id = :user', key: 'id' },
  'team-memberships': { table: 'team_members', columns: ['id', 'team_id', 'team_role', 'created_at'], where: 'user_id = :user', key: 'id' },
  conversations: {
    table: 'conversations',
    columns: ['id', 'title', 'folder', 'tags', 'bookmarked', 'summary', 'model', 'system_prompt', 'forked_from_id', 'forked_at_message_id', 'created_at', 'updated_at', 'deleted_at'],
    where: 'owner_id = :user',
    key: 'id',
  },
  messages: {
    table: 'messages',
    columns: ['id', 'conversation_id', 'author_id', 'role', 'content', 'parent_id', 'turn_id', 'model', 'pinned', 'version', 'created_at', 'updated_at', 'deleted_at'],
    where: `id in (${OWN_MESSAGES})`,
    key: 'id',
  },
  'message-versions': { table: 'message_versions', columns: ['id', 'message_id', 'version', 'content', 'edited_at'], where: `message_id in (${OWN_MESSAGES})`, key: 'id' },
  'message-reactions': { table: 'message_reactions', columns: ['id', 'message_id', 'emoji', 'created_at'], where: 'user_id = :user', key: 'id' },
  'conversation-shares': { table: 'conversation_shares', columns: ['id', 'conversation_id', 'shared_until', 'created_at', 'revoked_at'], where: `conversation_id in (${OWN_CONVERSATIONS})`, key: 'id' },
  'chat-turns': { table: 'chat_turns', columns: ['id', 'conversation_id', 'user_message_id', 'assistant_message_id', 'model', 'status', 'error', 'created_at', 'completed_at'], where: 'user_id = :user', key: 'id' },
  usage: { table: 'usage_records', columns: ['id', 'source_id', 'kind', 'conversation_id', 'model', 'provider', 'input_tokens', 'output_tokens', 'cost_usd', 'created_at'], where: 'user_id = :user', key: 'id' },
  'credit-grants': { table: 'credit_grants', columns: ['id', 'amount_usd', 'consumed_usd', 'expires_at', 'reason', 'created_at'], where: 'user_id = :user', key: 'id' },
  'tool-runs': { table: 'tool_runs', columns: ['id', 'tool_name', 'tool_version', 'status', 'cached', 'latency_ms', 'cost_usd', 'result', 'error', 'created_at', 'completed_at'], where: 'user_id = :user', key: 'id' },
  notifications: { table: 'notifications', columns: ['id', 'category', 'title', 'body', 'link', 'data', 'read_at', 'created_at'], where: 'user_id = :user', key: 'id' },
  approvals: {
    table: 'approvals',
    columns: ['id', 'kind', 'title', 'details', 'requester_id', 'status', 'decision', 'decided_by', 'decided_at', 'comment', 'expires_at', 'created_at'],
    where: 'requester_id = :user or decided_by = :user',
    key: 'id',
  },
  'workflow-definitions': { table: 'workflow_definitions', columns: ['id', 'name', 'description', 'current_version', 'created_at', 'updated_at', 'deleted_at'], where: 'owner_id = :user', key: 'id' },
  'workflow-definition-versions': {
    table: 'workflow_definition_versions',
    columns: ['id', 'definition_id', 'version', 'format', 'source', 'spec', 'created_at'],
    where: 'definition_id in (select id from workflow_definitions where owner_id = :user)',
    key: 'id',
  },
  'audit-events': {
    table: 'audit_events',
    columns: ['id', 'seq', 'occurred_at', 'actor_type', 'actor_role', 'actor_email', 'session_id', 'api_key_id', 'action', 'resource_type', 'resource_id', 'outcome', 'status_code', 'ip', 'user_agent', 'request_id', 'before', 'after', 'context'],
    where: 'actor_user_id = :user',
    key: 'seq',
  },
};
