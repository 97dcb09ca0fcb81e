import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { GovernanceBus } from '../../shared/governance/governance-bus';
import { RoleDirectory } from '../../shared/governance/role-directory';
import { loadEnabledPolicies, policyDenial } from '../../shared/policies/policy-check';
import { evaluatePolicies, PolicyDecision, PolicyDoc, PolicyResource, PolicySubject } from '../../shared/policies/policy-engine';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../common/auth/principal';
import { ProblemException } from '../common/problem/problem.exception';

/** Backstop only: every change reaches each process through the bus. */
const TTL_MS = 30_000;

/**
 * Enforces access policies where work starts (a chat turn, a tool run). The enabled policies live
 * in-process, so a check is a cached team lookup plus a pure evaluation.
 */
@Injectable()
export class PolicyService {
  private cache?: { at: number; policies: PolicyDoc[] };
  private generation = 0;

  constructor(
    private readonly em: EntityManager,
    private readonly roles: RoleDirectory,
    private readonly audit: AuditService,
    bus: GovernanceBus,
  ) {
    const drop = () => {
      this.generation++;
      this.cache = undefined;
    };
    bus.on('policies', drop);
    bus.on('caches', drop);
  }

  /** Throws a 403 problem naming the deciding policy, and records the denial, when the policies say no. */
  async check(principal: Principal, action: string, resource: PolicyResource): Promise<void> {
    const policies = await this.enabled();
    if (!policies.length) return;
    const { teamIds } = await this.roles.teamsOf(principal.userId);
    const denial = policyDenial(policies, action, { role: principal.role, teamIds }, resource);
    if (!denial) return;
    const { policyId, policyName, rule } = denial;
    this.audit.record({ actor: principal, action: 'policy.denied', resource: { type: 'policy', id: policyId }, outcome: 'denied', context: { action, resource: { ...resource }, rule } });
    throw new ProblemException(HttpStatus.FORBIDDEN, 'Denied by policy', `Policy "${policyName}" denies this ${action}`, { policyId, policyName, rule });
  }

  async evaluate(action: string, subject: PolicySubject, resource: PolicyResource, at?: Date): Promise<PolicyDecision> {
    return evaluatePolicies(await this.enabled(), action, subject, resource, at);
  }

  private async enabled(): Promise<PolicyDoc[]> {
    if (this.cache && Date.now() - this.cache.at < TTL_MS) return this.cache.policies;
    const generation = this.generation;
    const policies = await loadEnabledPolicies(this.em.fork());
    if (generation === this.generation) this.cache = { at: Date.now(), policies };
    return policies;
  }
}
