import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { GovernanceBus } from '../../shared/governance/governance-bus';
import { RoleDirectory } from '../../shared/governance/role-directory';
import { isValidTimezone, type PolicyRule } from '../../shared/policies/policy-engine';
import { Policy, User, UserStatus } from '../../shared/persistence/entities';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../common/auth/principal';
import { afterCursor, CursorPageQuery, decodeCursor, toPage } from '../common/pagination/cursor-page';
import { Problems } from '../common/problem/problem.exception';
import type { CreatePolicyDto, PolicyDto, PolicyPageDto, PolicyRuleDto, SimulatePolicyDto, SimulationDto, UpdatePolicyDto } from './dto/policies.dto';
import { PolicyService } from './policy.service';

function policyDto(p: Policy): PolicyDto {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    action: p.action,
    enabled: p.enabled,
    defaultDeny: p.defaultDeny,
    rules: p.rules,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

/** Plain objects (no DTO class instances) for the jsonb column, with the checks decorators cannot make. */
function toRules(rules: PolicyRuleDto[]): PolicyRule[] {
  return rules.map((r, i) => {
    if (r.timeWindow && !isValidTimezone(r.timeWindow.timezone)) {
      throw Problems.validation([{ field: `rules.${i}.timeWindow.timezone`, message: `"${r.timeWindow.timezone}" is not an IANA time zone` }]);
    }
    return JSON.parse(JSON.stringify(r)) as PolicyRule;
  });
}

/** /admin/policies: CRUD and the simulator; every change reaches the enforcing processes through the bus. */
@Injectable()
export class AdminPoliciesService {
  constructor(
    private readonly em: EntityManager,
    private readonly policies: PolicyService,
    private readonly roles: RoleDirectory,
    private readonly bus: GovernanceBus,
    private readonly audit: AuditService,
  ) {}

  async list(query: CursorPageQuery): Promise<PolicyPageDto> {
    const rows = await this.em.find(Policy, afterCursor(decodeCursor(query.cursor)), { orderBy: { createdAt: 'desc', id: 'desc' }, limit: query.limit + 1 });
    return toPage(rows, query.limit, policyDto);
  }

  async get(id: string): Promise<PolicyDto> {
    return policyDto(await this.find(id));
  }

  async create(actor: Principal, dto: CreatePolicyDto): Promise<PolicyDto> {
    const policy = this.em.create(Policy, {
      name: dto.name,
      description: dto.description ?? '',
      action: dto.action,
      enabled: dto.enabled ?? true,
      defaultDeny: dto.defaultDeny ?? false,
      rules: toRules(dto.rules),
    });
    await this.save(dto.name);
    await this.changed(actor, 'policy.created', policy.id, null, policyDto(policy));
    return policyDto(policy);
  }

  async update(actor: Principal, id: string, dto: UpdatePolicyDto): Promise<PolicyDto> {
    const policy = await this.find(id);
    const before = policyDto(policy);
    if (dto.rules !== undefined) policy.rules = toRules(dto.rules);
    if (dto.name !== undefined) policy.name = dto.name;
    if (dto.description !== undefined) policy.description = dto.description;
    if (dto.action !== undefined) policy.action = dto.action;
    if (dto.enabled !== undefined) policy.enabled = dto.enabled;
    if (dto.defaultDeny !== undefined) policy.defaultDeny = dto.defaultDeny;
    await this.save(policy.name);
    await this.changed(actor, 'policy.updated', id, before, policyDto(policy));
    return policyDto(policy);
  }

  async remove(actor: Principal, id: string): Promise<void> {
    const policy = await this.find(id);
    const before = policyDto(policy);
    await this.em.remove(policy).flush();
    await this.changed(actor, 'policy.deleted', id, before, null);
  }

  /** What the enabled policies would decide for a subject, with the trace of every rule looked at. */
  async simulate(dto: SimulatePolicyDto): Promise<SimulationDto> {
    let role = dto.subject.role;
    let teamIds = dto.subject.teamIds ?? [];
    if (dto.subject.userId) {
      const user = await this.em.findOne(User, { id: dto.subject.userId, status: { $ne: UserStatus.Deleted } });
      if (!user) throw Problems.notFound('User');
      role = user.role;
      teamIds = (await this.roles.teamsOf(user.id)).teamIds;
    }
    if (!role) throw Problems.validation([{ field: 'subject', message: 'give subject.userId or subject.role' }]);
    return this.policies.evaluate(dto.action, { role, teamIds }, dto.resource, dto.at ? new Date(dto.at) : undefined);
  }

  private async changed(actor: Principal, action: string, id: string, before: PolicyDto | null, after: PolicyDto | null) {
    await this.bus.publish('policies');
    this.audit.record({ actor, action, resource: { type: 'policy', id }, before: before ? { ...before } : null, after: after ? { ...after } : null });
  }

  private async save(name: string): Promise<void> {
    try {
      await this.em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw Problems.conflict(`A policy named "${name}" already exists`);
      throw err;
    }
  }

  private async find(id: string): Promise<Policy> {
    const policy = await this.em.findOne(Policy, id);
    if (!policy) throw Problems.notFound('Policy');
    return policy;
  }
}
