/**
 * Postgres rows erased for a user, children before parents so every count is this table's own.
 * Most would go by cascade with the user row; deleting them one by one is what gives the report its counts.
 * Kept on purpose (see README, GDPR): usage copied to retained_usage_records under the pseudonym;
 * messages the user wrote in other people's conversations stay with those conversations, authorless.
 */
export interface ErasureStep {
  name: string;
  sql: string;
  params: (userId: string, subject: string) => unknown[];
  /** Tables another feature may not have created yet. */
  onlyIfTable?: string;
}

const OWN_CONVERSATIONS = 'select id from conversations where owner_id = ?';
const OWN_MESSAGES = `select id from messages where conversation_id in (${OWN_CONVERSATIONS})`;
const byUser = (name: string, table: string, column = 'user_id'): ErasureStep => ({ name, sql: `delete from ${table} where ${column} = ?`, params: (u) => [u] });

export const POSTGRES_ERASURE_STEPS: ErasureStep[] = [
  { name: 'refresh_tokens', sql: 'delete from refresh_tokens where session_id in (select id from sessions where user_id = ?)', params: (u) => [u] },
  byUser('sessions', 'sessions'),
  byUser('api_keys', 'api_keys'),
  byUser('one_time_tokens', 'one_time_tokens'),
  byUser('mfa_recovery_codes', 'mfa_recovery_codes'),
  byUser('user_identities', 'user_identities'),
  byUser('notification_preferences', 'notification_preferences'),
  byUser('notifications', 'notifications'),
  byUser('read_receipts', 'read_receipts'),
  { name: 'message_reactions', sql: `delete from message_reactions where user_id = ? or message_id in (${OWN_MESSAGES})`, params: (u) => [u, u] },
  { name: 'conversation_shares', sql: `delete from conversation_shares where conversation_id in (${OWN_CONVERSATIONS})`, params: (u) => [u] },
  { name: 'message_versions', sql: `delete from message_versions where message_id in (${OWN_MESSAGES})`, params: (u) => [u] },
  byUser('chat_turns', 'chat_turns'),
  { name: 'messages', sql: `delete from messages where conversation_id in (${OWN_CONVERSATIONS})`, params: (u) => [u] },
  { name: 'messages_authorless', sql: 'update messages set author_id = null where author_id = ?', params: (u) => [u] },
  byUser('conversations', 'conversations', 'owner_id'),
  byUser('usage_records', 'usage_records'),
  { name: 'credit_consumptions', sql: 'delete from credit_consumptions where grant_id in (select id from credit_grants where user_id = ?)', params: (u) => [u] },
  byUser('credit_grants', 'credit_grants'),
  { name: 'budgets', sql: `delete from budgets where scope_type = 'user' and scope_id = ?`, params: (u) => [u] },
  byUser('tool_runs', 'tool_runs'),
  // Normally gone already (eraseUserFiles, with their bytes); chunks, shares and attachments go by cascade.
  byUser('files', 'files', 'owner_id'),
  byUser('approvals', 'approvals', 'requester_id'),
  { name: 'approvals_decider', sql: 'update approvals set decided_by = ? where decided_by = ?', params: (u, s) => [s, u] },
  { name: 'workflow_definition_versions', sql: 'delete from workflow_definition_versions where definition_id in (select id from workflow_definitions where owner_id = ?)', params: (u) => [u] },
  byUser('workflow_definitions', 'workflow_definitions', 'owner_id'),
  byUser('team_members', 'team_members'),
  byUser('search_queries', 'search_queries'),
  { ...byUser('billing_customers', 'billing_customers'), onlyIfTable: 'billing_customers' },
  { name: 'system_config_versions', sql: 'update system_config_versions set changed_by = ? where changed_by = ?', params: (u, s) => [s, u] },
  { name: 'users', sql: 'delete from users where id = ?', params: (u) => [u] },
];
