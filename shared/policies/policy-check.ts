import type { EntityManager } from '@mikro-orm/postgresql';
import { Policy } from '../persistence/entities';
import { evaluatePolicies, type PolicyDecision, type PolicyDoc, type PolicyResource, type PolicySubject } from './policy-engine';

/** The deciding policy of a refusal: what the API's 403 and the worker's failed step both name. */
export type PolicyDenial = NonNullable<PolicyDecision['deciding']>;

/**
 * The policy check, once for the API (PolicyService: where a turn, a tool run or a workflow starts)
 * and the workers (a declarative run's tool node): the enabled policies in the order they apply,
 * and the decision for one subject on one resource.
 */
export async function loadEnabledPolicies(em: EntityManager): Promise<PolicyDoc[]> {
  const rows = await em.find(Policy, { enabled: true }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  return rows.map((p) => ({ id: p.id, name: p.name, action: p.action, enabled: p.enabled, defaultDeny: p.defaultDeny, rules: p.rules }));
}

/** Undefined when the policies allow `action`; otherwise the policy (and rule) that refuses it. */
export function policyDenial(policies: readonly PolicyDoc[], action: string, subject: PolicySubject, resource: PolicyResource, at?: Date): PolicyDenial | undefined {
  if (!policies.length) return undefined;
  const result = evaluatePolicies(policies, action, subject, resource, at);
  if (result.decision === 'allow') return undefined;
  const { policyId, policyName, rule } = result.deciding!;
  return { policyId, policyName, rule };
}
