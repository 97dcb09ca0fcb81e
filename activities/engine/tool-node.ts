import type { EntityManager } from '@mikro-orm/postgresql';
import { ApplicationFailure } from '@temporalio/activity';
import { appendAuditEvents } from '../../shared/audit/audit-chain';
import { auditDraft } from '../../shared/audit/audit-draft';
import { Permission } from '../../shared/domain/roles';
import { effectivePermissions, type RoleRow } from '../../shared/governance/role-directory';
import { Role, Tool, ToolRun, ToolVersion, User, UserStatus } from '../../shared/persistence/entities';
import { loadEnabledPolicies, policyDenial } from '../../shared/policies/policy-check';
import type { PolicyResource } from '../../shared/policies/policy-engine';
import type { ToolNodeCall } from '../../workflows/declarative-run/declarative-run.contract';
import { toolRunWorkflowId } from '../../workflows/tool-run/tool-run.contract';
import { inputProblems, stableUuid } from '../chat/turn-tools';
import { toolSpecOf } from '../../shared/tools/tool-spec';

/** A refusal the run's step shows as its error; retrying cannot change it. */
const refuse = (message: string) => ApplicationFailure.nonRetryable(message, 'ToolCallRefused');

/** What the owner's role grants now (a role edited since the run started counts as edited). */
async function ownerPermissions(em: EntityManager, role: string) {
  const row = await em.findOne(Role, { name: role });
  const r: RoleRow = row ? { name: row.name, permissions: row.permissions, built_in: row.builtIn, customized: row.customized } : { name: role, permissions: [], built_in: true, customized: false };
  return effectivePermissions(r);
}

/**
 * The access policies (shared/policies/policy-check.ts, as the API's PolicyService), for the owner's principal
 * (role and teams). A denial is recorded on the audit trail (once per call: the event id derives from `key`)
 * and fails the step naming the policy.
 */
async function checkPolicies(em: EntityManager, owner: User, resource: PolicyResource, key: string): Promise<void> {
  const policies = await loadEnabledPolicies(em);
  if (!policies.length) return;
  const teams = await em.getConnection().execute<{ team_id: string }[]>('select team_id from team_members where user_id = ?', [owner.id]);
  const denial = policyDenial(policies, 'tool.run', { role: owner.role, teamIds: teams.map((t) => t.team_id) }, resource);
  if (!denial) return;
  const { policyId, policyName, rule } = denial;
  await appendAuditEvents(em, [
    auditDraft({
      id: stableUuid(`workflow-tool:${key}:policy-denied`),
      actorType: 'user',
      actorUserId: owner.id,
      actorRole: owner.role,
      action: 'policy.denied',
      outcome: 'denied',
      resourceType: 'policy',
      resourceId: policyId,
      context: { action: 'tool.run', resource: { ...resource }, rule, via: 'workflow-tool-node', call: key },
    }),
  ]);
  throw ApplicationFailure.create({
    type: 'ToolCallRefused',
    message: `tool "${resource.tool}": denied by policy "${policyName}" for the workflow's owner (role ${owner.role})`,
    nonRetryable: true,
    details: [{ policyId, policyName, rule }],
  });
}

/**
 * A tool node's call, resolved at execution time: the tool's current version (pinned in the tool_runs row),
 * the owner's right to run it, the input checked against its schema, the access policies. `key` names the call (run, node,
 * iteration), so a retried activity finds the row it already wrote.
 */
export async function prepareToolNode(em: EntityManager, req: { tool: string; input: Record<string, unknown>; ownerId: string; key: string }): Promise<ToolNodeCall> {
  const owner = await em.findOne(User, { id: req.ownerId });
  if (!owner || owner.status !== UserStatus.Active) throw refuse(`tool "${req.tool}": the workflow's owner is not an active user`);
  const tool = await em.findOne(Tool, { name: req.tool, deletedAt: null });
  const perms = await ownerPermissions(em, owner.role);
  const admin = perms.has(Permission.ToolsManage);
  // A tool the owner may not see is reported like a missing one (no existence leak).
  if (!tool || !(admin || tool.allowedRoles.includes(owner.role))) throw refuse(`tool "${req.tool}" does not exist or the workflow's owner (role ${owner.role}) may not use it`);
  if (!perms.has(Permission.ToolsRun)) throw refuse(`tool "${req.tool}": the workflow's owner (role ${owner.role}) lacks the tools:run permission`);
  const version = await em.findOneOrFail(ToolVersion, { tool, version: tool.currentVersion });
  const problems = inputProblems(version, req.input);
  if (problems.length) throw refuse(`tool "${req.tool}": the arguments were rejected: ${problems.join('; ')}`);
  await checkPolicies(em, owner, { type: 'tool', tool: tool.name, costUsd: Number(version.costPerCallUsd) }, req.key);

  const runId = stableUuid(`workflow-tool:${req.key}:run`);
  const workflowId = toolRunWorkflowId(req.key.replace(/[^A-Za-z0-9-]/g, '-'));
  const existing = await em.findOne(ToolRun, { id: runId });
  if (!existing) {
    em.create(ToolRun, { id: runId, toolName: tool.name, toolVersion: version.version, user: owner.id, workflowId });
    await em.flush();
  }
  return {
    runId,
    workflowId,
    tool: toolSpecOf(tool.name, existing ? await em.findOneOrFail(ToolVersion, { tool, version: existing.toolVersion }) : version),
    input: req.input,
    ...(version.requiresApproval ? { approvalId: stableUuid(`workflow-tool:${req.key}:approval`) } : {}),
  };
}
