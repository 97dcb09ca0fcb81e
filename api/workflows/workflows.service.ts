import { randomBytes } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { BuiltInRole } from '../../shared/domain/roles';
import { AppConfig } from '../../shared/config/app-config';
import { WorkflowDefinition, WorkflowDefinitionVersion } from '../../shared/persistence/entities';
import { SecretBox } from '../../shared/security/secret-box';
import { parseDefinition } from '../../shared/workflow-definitions/definition-parser';
import { DEFINITION_SCHEMA } from '../../shared/workflow-definitions/definition.schema';
import { workflowTemplates } from '../../shared/workflow-definitions/workflow-templates';
import type { WorkflowSpec } from '../../workflows/declarative-run/declarative-run.contract';
import type { Principal } from '../common/auth/principal';
import { afterCursor, CursorPageQuery, decodeCursor, toPage } from '../common/pagination/cursor-page';
import { ProblemException, Problems } from '../common/problem/problem.exception';
import { CODE_WORKFLOWS, codeWorkflow } from './code-workflows.registry';
import type { CreateWorkflowDto, PatchWorkflowDto } from './dto/workflow.dto';
import { checkInput } from './workflow-input';
import { WorkflowSchedules } from './workflow-schedules';

export interface OwnedDefinition {
  definition: WorkflowDefinition;
  version: WorkflowDefinitionVersion;
}

/** Declared workflow definitions: parsing and validation, immutable versions, ownership, triggers. */
@Injectable()
export class WorkflowsService {
  private readonly box: SecretBox;

  constructor(
    private readonly em: EntityManager,
    private readonly schedules: WorkflowSchedules,
    config: AppConfig,
  ) {
    this.box = new SecretBox(config.DATA_ENCRYPTION_KEY);
  }

  schema() {
    return DEFINITION_SCHEMA;
  }

  templates() {
    return { items: workflowTemplates() };
  }

  async list(p: Principal, q: CursorPageQuery) {
    const rows = await this.em.find(
      WorkflowDefinition,
      { deletedAt: null, ...(isAdmin(p) ? {} : { owner: p.userId }), ...afterCursor(decodeCursor(q.cursor)) },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: q.limit + 1 },
    );
    const versions = await this.currentVersions(rows);
    const page = toPage(rows, q.limit, (d) => this.summary(d, versions.get(d.id)!));
    // Workflows written in code are listed beside (not paginated with) the declared ones.
    return { ...page, registered: CODE_WORKFLOWS.map(({ name, title, description, inputSchema }) => ({ id: `code:${name}`, kind: 'code', name: title, description, inputSchema })) };
  }

  async create(p: Principal, dto: CreateWorkflowDto) {
    const { source, format } = this.sourceOf(dto);
    const spec = this.parse(source, format.hint);
    if (dto.templateId && dto.name) spec.name = dto.name;
    const definition = this.em.create(WorkflowDefinition, { owner: p.userId, name: spec.name, description: spec.description ?? '' });
    const webhookSecret = hasTrigger(spec, 'webhook') ? this.newSecret(definition) : undefined;
    const version = this.em.create(WorkflowDefinitionVersion, { definition, version: 1, format: format.used, source, spec });
    await this.em.flush();
    await this.syncSchedule(definition, version, () => this.em.remove([version, definition]).flush());
    return { ...this.detail(definition, version), ...(webhookSecret ? { webhookSecret } : {}) };
  }

  async get(p: Principal, id: string) {
    const code = this.codeEntry(id);
    if (code) return { id, kind: 'code', name: code.title, description: code.description, inputSchema: code.inputSchema, workflowType: code.workflowType };
    const { definition, version } = await this.owned(p, id);
    return this.detail(definition, version);
  }

  /** A new immutable version; runs already started keep theirs. */
  async patch(p: Principal, id: string, dto: PatchWorkflowDto) {
    this.rejectCode(id);
    const { definition, version: current } = await this.owned(p, id);
    if (!dto.source && !dto.definition) throw Problems.validation([{ field: 'source', message: 'source or definition is required' }]);
    const { source, format } = this.sourceOf(dto);
    const spec = this.parse(source, format.hint);
    const webhookSecret = hasTrigger(spec, 'webhook') && !definition.webhookSecret ? this.newSecret(definition) : undefined;
    const version = this.em.create(WorkflowDefinitionVersion, { definition, version: current.version + 1, format: format.used, source, spec });
    Object.assign(definition, { currentVersion: version.version, name: spec.name, description: spec.description ?? '' });
    await this.syncSchedule(definition, version);
    await this.em.flush();
    return { ...this.detail(definition, version), ...(webhookSecret ? { webhookSecret } : {}) };
  }

  /** Soft delete: its schedule goes, its versions and runs stay for history. */
  async remove(p: Principal, id: string) {
    this.rejectCode(id);
    const { definition } = await this.owned(p, id);
    await this.schedules.remove(definition.id);
    definition.deletedAt = new Date();
    await this.em.flush();
  }

  /** The definition and its current version if the caller may see it (admins: any); 404 otherwise. */
  async owned(p: Principal, id: string): Promise<OwnedDefinition> {
    const definition = await this.em.findOne(WorkflowDefinition, { id, deletedAt: null, ...(isAdmin(p) ? {} : { owner: p.userId }) });
    if (!definition) throw Problems.notFound('Workflow');
    const version = await this.em.findOneOrFail(WorkflowDefinitionVersion, { definition, version: definition.currentVersion });
    return { definition, version };
  }

  /** For the webhook route: no principal, the signature decides. */
  async forWebhook(id: string): Promise<(OwnedDefinition & { secret: string }) | undefined> {
    const definition = await this.em.findOne(WorkflowDefinition, { id, deletedAt: null });
    if (!definition?.webhookSecret) return undefined;
    const version = await this.em.findOneOrFail(WorkflowDefinitionVersion, { definition, version: definition.currentVersion });
    if (!hasTrigger(version.spec, 'webhook')) return undefined;
    return { definition, version, secret: this.box.open(definition.webhookSecret) };
  }

  codeEntry(id: string) {
    return id.startsWith('code:') ? codeWorkflow(id.slice(5)) : undefined;
  }

  private rejectCode(id: string) {
    if (this.codeEntry(id)) throw Problems.conflict('Workflows written in code change with the code (workflows/ and the code-workflow registry)');
  }

  private async syncSchedule(definition: WorkflowDefinition, version: WorkflowDefinitionVersion, undo?: () => Promise<unknown>) {
    const trigger = version.spec.triggers?.find((t) => t.type === 'schedule');
    if (trigger?.type === 'schedule') {
      const errors = checkInput(version.spec, trigger.input ?? {}, 'triggers.schedule.input');
      if (errors.length) {
        await undo?.();
        throw Problems.validation(errors);
      }
    }
    try {
      await this.schedules.sync(definition, version);
    } catch (err) {
      await undo?.();
      if (err instanceof ProblemException) throw err;
      throw Problems.badRequest(`The schedule was refused by Temporal: ${(err as Error).message}`, [{ field: 'triggers', message: (err as Error).message }]);
    }
  }

  private sourceOf(dto: CreateWorkflowDto | PatchWorkflowDto): { source: string; format: { hint?: 'yaml' | 'json'; used: 'yaml' | 'json' } } {
    const given = [dto.source, dto.definition, 'templateId' in dto ? dto.templateId : undefined].filter((x) => x !== undefined).length;
    if (given !== 1) throw Problems.validation([{ field: 'source', message: 'send exactly one of source, definition or templateId' }]);
    if ('templateId' in dto && dto.templateId) {
      const template = workflowTemplates().find((t) => t.id === dto.templateId);
      if (!template) throw Problems.validation([{ field: 'templateId', message: `no template "${dto.templateId}" (GET /workflows/templates)` }]);
      return { source: template.source, format: { hint: 'yaml', used: 'yaml' } };
    }
    if (dto.definition) return { source: JSON.stringify(dto.definition, null, 2), format: { hint: 'json', used: 'json' } };
    const source = dto.source!;
    return { source, format: { hint: dto.format, used: dto.format ?? (/^\s*[{[]/.test(source) ? 'json' : 'yaml') } };
  }

  private parse(source: string, format?: 'yaml' | 'json'): WorkflowSpec {
    const parsed = parseDefinition(source, format);
    if (!parsed.ok) {
      throw new ProblemException(400, 'Invalid workflow definition', parsed.errors.map((e) => `${e.field || '(document)'}${e.line ? ` (line ${e.line})` : ''}: ${e.message}`).join('; '), { errors: parsed.errors });
    }
    return parsed.spec;
  }

  private newSecret(definition: WorkflowDefinition): string {
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    definition.webhookSecret = this.box.seal(secret);
    return secret;
  }

  private async currentVersions(rows: WorkflowDefinition[]) {
    if (!rows.length) return new Map<string, WorkflowDefinitionVersion>();
    const versions = await this.em.find(WorkflowDefinitionVersion, { $or: rows.map((d) => ({ definition: d.id, version: d.currentVersion })) });
    return new Map(versions.map((v) => [v.definition.id, v]));
  }

  private summary(d: WorkflowDefinition, v: WorkflowDefinitionVersion) {
    return {
      id: d.id,
      kind: 'declared',
      name: d.name,
      description: d.description,
      version: d.currentVersion,
      ownerId: d.owner.id,
      triggers: (v.spec.triggers ?? []).map((t) => t.type),
      createdAt: d.createdAt.toISOString(),
      updatedAt: d.updatedAt.toISOString(),
    };
  }

  private detail(d: WorkflowDefinition, v: WorkflowDefinitionVersion) {
    const webhook = hasTrigger(v.spec, 'webhook') ? { webhookPath: `/workflows/${d.id}/webhook`, signatureHeader: 'x-gateway-signature' } : {};
    return { ...this.summary(d, v), format: v.format, source: v.source, spec: v.spec, ...webhook };
  }
}

export function isAdmin(p: Principal): boolean {
  return p.role === BuiltInRole.Admin;
}

function hasTrigger(spec: WorkflowSpec, type: 'webhook' | 'schedule'): boolean {
  return (spec.triggers ?? []).some((t) => t.type === type);
}
