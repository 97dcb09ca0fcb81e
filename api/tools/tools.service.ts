import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { BUILTIN_TOOL_NAMES, BUILTIN_TOOLS } from '../../shared/domain/builtin-tools';
import { KNOWN_ROLES, Permission } from '../../shared/domain/roles';
import { Tool, ToolVersion, WorkflowDefinition } from '../../shared/persistence/entities';
import type { HttpToolConfig } from '../../workflows/tool-run/tool-run.contract';
import { hasPermission, type Principal } from '../common/auth/principal';
import { afterCursor, decodeCursor, toPage } from '../common/pagination/cursor-page';
import { type FieldError, Problems } from '../common/problem/problem.exception';
import type { ListToolsQueryDto, RegisterToolDto, ToolDto, ToolPageDto, ToolVersionDto, ToolVersionPageDto, UpdateToolDto } from './dto/tool.dto';
import { httpConfigProblems } from './tool-definition';
import { isAdmin } from '../workflows/workflows.service';
import { ToolSchemas } from './tool-schema';
import { definedFields } from '../common/dto/defined-fields';

const DEFAULT_RETRY = { maxAttempts: 1, initialMs: 1000, coefficient: 2, maxMs: 30_000 };
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

type VersionFields = Omit<ToolVersion, 'id' | 'tool' | 'version' | 'createdBy' | 'createdAt'>;

export function versionDto(v: ToolVersion): ToolVersionDto {
  return {
    version: v.version,
    description: v.description,
    category: v.category,
    kind: v.kind,
    inputSchema: v.inputSchema,
    timeoutMs: v.timeoutMs,
    // Versions stored before omitted fields kept their defaults may lack some.
    retry: { ...DEFAULT_RETRY, ...v.retry },
    resultMaxBytes: v.resultMaxBytes,
    cacheTtlSeconds: v.cacheTtlSeconds,
    costPerCallUsd: String(Number(v.costPerCallUsd)),
    requiresApproval: v.requiresApproval,
    allowedRoles: v.allowedRoles,
    http: v.http,
    workflow: v.workflow,
    createdAt: v.createdAt.toISOString(),
  };
}

function toolDto(t: Tool, v: ToolVersion): ToolDto {
  return { name: t.name, currentVersion: t.currentVersion, ...versionDto(v), updatedAt: t.updatedAt.toISOString() };
}

/** The tool registry: who sees what, and every definition change as a new immutable version. */
@Injectable()
export class ToolsService implements OnApplicationBootstrap {
  private readonly log = new Logger('Tools');

  constructor(
    private readonly em: EntityManager,
    private readonly schemas: ToolSchemas,
  ) {}

  /** Built-ins are registered once (then managed like any tool); a second API process racing here is harmless. */
  async onApplicationBootstrap() {
    for (const { name, ...b } of BUILTIN_TOOLS) {
      try {
        await this.em.fork().transactional(async (tx) => {
          if (await tx.count(Tool, { name })) return;
          const tool = tx.create(Tool, { name, category: b.category, description: b.description, allowedRoles: [...KNOWN_ROLES] });
          tx.create(ToolVersion, { tool, version: 1, kind: 'builtin', requiresApproval: false, costPerCallUsd: '0', allowedRoles: [...KNOWN_ROLES], ...b });
        });
      } catch (err) {
        if (!(err instanceof UniqueConstraintViolationException)) this.log.warn(`could not register built-in tool ${name}: ${(err as Error).message}`);
      }
    }
  }

  /** Admins (tools:manage) see every tool; others only those their role is allowed. */
  private canSee(p: Principal, allowedRoles: string[]): boolean {
    return hasPermission(p, Permission.ToolsManage) || allowedRoles.includes(p.role);
  }

  /** The live tool and its current version, or 404 (also when the caller's role may not see it). */
  async visible(p: Principal, name: string): Promise<{ tool: Tool; version: ToolVersion }> {
    const tool = await this.em.findOne(Tool, { name, deletedAt: null });
    if (!tool || !this.canSee(p, tool.allowedRoles)) throw Problems.notFound(`Tool "${name}"`);
    const version = await this.em.findOneOrFail(ToolVersion, { tool, version: tool.currentVersion });
    return { tool, version };
  }

  async list(p: Principal, q: ListToolsQueryDto): Promise<ToolPageDto> {
    const qb = this.em.createQueryBuilder(Tool, 't').where({ deletedAt: null, ...afterCursor(decodeCursor(q.cursor)) });
    if (!hasPermission(p, Permission.ToolsManage)) qb.andWhere('t.allowed_roles @> ?::jsonb', [JSON.stringify([p.role])]);
    if (q.category) qb.andWhere({ category: q.category });
    if (q.q) qb.andWhere({ $or: [{ name: { $ilike: `%${escapeLike(q.q)}%` } }, { description: { $ilike: `%${escapeLike(q.q)}%` } }] });
    const rows = await qb.orderBy({ createdAt: 'desc', id: 'desc' }).limit(q.limit + 1).getResultList();
    const page = rows.slice(0, q.limit);
    const versions = page.length ? await this.em.find(ToolVersion, { $or: page.map((t) => ({ tool: t.id, version: t.currentVersion })) }) : [];
    const byTool = new Map(versions.map((v) => [v.tool.id, v]));
    return toPage(rows, q.limit, (t) => toolDto(t, byTool.get(t.id)!));
  }

  async get(p: Principal, name: string): Promise<ToolDto> {
    const { tool, version } = await this.visible(p, name);
    return toolDto(tool, version);
  }

  async register(p: Principal, dto: RegisterToolDto): Promise<ToolDto> {
    const fields = this.checked({
      description: dto.description,
      category: dto.category ?? 'general',
      kind: dto.kind,
      inputSchema: dto.inputSchema ?? { type: 'object' },
      timeoutMs: dto.timeoutMs ?? 30_000,
      retry: { ...DEFAULT_RETRY, ...definedFields(dto.retry) },
      resultMaxBytes: dto.resultMaxBytes ?? 65_536,
      cacheTtlSeconds: dto.cacheTtlSeconds ?? 0,
      costPerCallUsd: String(dto.costPerCallUsd ?? 0),
      requiresApproval: dto.requiresApproval ?? false,
      allowedRoles: dto.allowedRoles ?? [...KNOWN_ROLES],
      http: (dto.http as HttpToolConfig | undefined) ?? null,
      workflow: dto.workflow ? { definitionId: dto.workflow.definitionId } : null,
    }, dto.name);
    await this.assertWorkflowVisible(p, fields);
    if (await this.em.count(Tool, { name: dto.name })) throw Problems.conflict(`A tool named "${dto.name}" exists (or existed: names of deleted tools are not reused)`);
    try {
      const { tool, version } = await this.em.fork().transactional(async (tx) => {
        const tool = tx.create(Tool, { name: dto.name, category: fields.category, description: fields.description, allowedRoles: fields.allowedRoles });
        const version = tx.create(ToolVersion, { tool, version: 1, ...fields, createdBy: p.userId });
        return { tool, version };
      });
      return toolDto(tool, version);
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw Problems.conflict(`A tool named "${dto.name}" already exists`);
      throw err;
    }
  }

  /** Any change is a new version; runs already started keep the version they began with. */
  async update(p: Principal, name: string, dto: UpdateToolDto): Promise<ToolDto> {
    const { tool, version: current } = await this.visible(p, name);
    const fields = this.checked({
      description: dto.description ?? current.description,
      category: dto.category ?? current.category,
      kind: dto.kind ?? current.kind,
      inputSchema: dto.inputSchema ?? current.inputSchema,
      timeoutMs: dto.timeoutMs ?? current.timeoutMs,
      retry: dto.retry ? { ...DEFAULT_RETRY, ...definedFields(dto.retry) } : current.retry,
      resultMaxBytes: dto.resultMaxBytes ?? current.resultMaxBytes,
      cacheTtlSeconds: dto.cacheTtlSeconds ?? current.cacheTtlSeconds,
      costPerCallUsd: dto.costPerCallUsd !== undefined ? String(dto.costPerCallUsd) : current.costPerCallUsd,
      requiresApproval: dto.requiresApproval ?? current.requiresApproval,
      allowedRoles: dto.allowedRoles ?? current.allowedRoles,
      http: dto.http !== undefined ? (dto.http as HttpToolConfig) : current.http,
      workflow: dto.workflow !== undefined ? { definitionId: dto.workflow.definitionId } : current.workflow,
    }, name);
    await this.assertWorkflowVisible(p, fields);
    try {
      const version = await this.em.fork().transactional(async (tx) => {
        const version = tx.create(ToolVersion, { tool: tool.id, version: current.version + 1, ...fields, createdBy: p.userId });
        // Compare-and-set on currentVersion: two concurrent PATCHes cannot both become version n+1.
        const moved = await tx.nativeUpdate(
          Tool,
          { id: tool.id, currentVersion: current.version, deletedAt: null },
          { currentVersion: current.version + 1, category: fields.category, description: fields.description, allowedRoles: fields.allowedRoles, updatedAt: new Date() },
        );
        if (moved !== 1) throw Problems.conflict('The tool changed meanwhile; read it again and retry');
        return version;
      });
      const fresh = await this.em.fork().findOneOrFail(Tool, tool.id);
      return toolDto(fresh, version);
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw Problems.conflict('The tool changed meanwhile; read it again and retry');
      throw err;
    }
  }

  async remove(p: Principal, name: string): Promise<void> {
    const { tool } = await this.visible(p, name);
    await this.em.nativeUpdate(Tool, { id: tool.id }, { deletedAt: new Date() });
  }

  async versions(p: Principal, name: string, q: { limit: number; cursor?: string }): Promise<ToolVersionPageDto> {
    const { tool } = await this.visible(p, name);
    const rows = await this.em.find(ToolVersion, { tool, ...afterCursor(decodeCursor(q.cursor)) }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: q.limit + 1 });
    return toPage(rows, q.limit, versionDto);
  }

  /** A workflow tool runs a definition its registrant can see (an admin: any live one; otherwise their own). */
  private async assertWorkflowVisible(p: Principal, f: VersionFields): Promise<void> {
    if (!f.workflow) return;
    const owner = isAdmin(p) ? {} : { owner: p.userId };
    if (!(await this.em.count(WorkflowDefinition, { id: f.workflow.definitionId, deletedAt: null, ...owner }))) {
      throw Problems.validation([{ field: 'workflow.definitionId', message: 'is not a workflow definition you can see' }]);
    }
  }

  /** Rules a definition must meet whichever way it arrived; 400 with every field at fault. */
  private checked(f: VersionFields, name: string): VersionFields {
    const errors: FieldError[] = [...this.schemas.schemaProblems(f.inputSchema)];
    if (f.kind === 'http' && !f.http) errors.push({ field: 'http', message: 'is required for an http tool' });
    if (f.kind !== 'http' && f.http) errors.push({ field: 'http', message: `is only for http tools (kind is ${f.kind})` });
    if (f.kind === 'http' && f.http) errors.push(...httpConfigProblems(f.http));
    if (f.kind === 'workflow' && !f.workflow) errors.push({ field: 'workflow.definitionId', message: 'is required for a workflow tool' });
    if (f.kind !== 'workflow' && f.workflow) errors.push({ field: 'workflow', message: `is only for workflow tools (kind is ${f.kind})` });
    if (f.kind === 'builtin' && !BUILTIN_TOOL_NAMES.has(name)) errors.push({ field: 'kind', message: `"builtin" is only for the built-in tools (${[...BUILTIN_TOOL_NAMES].join(', ')})` });
    if (f.retry.maxMs < f.retry.initialMs) errors.push({ field: 'retry.maxMs', message: 'must be at least retry.initialMs' });
    if (errors.length) throw Problems.validation(errors);
    return { ...f, http: f.http ? { method: f.http.method, urlTemplate: f.http.urlTemplate, headers: f.http.headers ?? {}, ...(f.http.bodyTemplate !== undefined ? { bodyTemplate: f.http.bodyTemplate } : {}) } : null };
  }
}
