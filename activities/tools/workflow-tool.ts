import type { EntityManager } from '@mikro-orm/postgresql';
import { WorkflowDefinition, WorkflowDefinitionVersion } from '../../shared/persistence/entities';
import { inputAjv } from '../../shared/workflow-definitions/definition-parser';
import type { WorkflowSpec } from '../../workflows/declarative-run/declarative-run.contract';
import { ToolCallFailure, toolInputError } from './tool-errors';

export interface WorkflowToolTarget {
  definitionId: string;
  version: number;
  spec: WorkflowSpec;
}

/**
 * The definition a workflow tool runs, at its current version (the call is pinned to it), and the tool
 * input checked against the definition's own input schema (the tool's inputSchema was checked before).
 * Who may run it was settled at register time (the registrant could see the definition) and by the tool's roles.
 */
export async function loadWorkflowTool(em: EntityManager, req: { definitionId: string; input: Record<string, unknown> }): Promise<WorkflowToolTarget> {
  const def = await em.findOne(WorkflowDefinition, { id: req.definitionId, deletedAt: null });
  if (!def) throw new ToolCallFailure('ToolConfigError', `the workflow tool's definition ${req.definitionId} no longer exists`);
  const v = await em.findOneOrFail(WorkflowDefinitionVersion, { definition: def.id, version: def.currentVersion });
  if (v.spec.input) {
    const validate = inputAjv.compile(v.spec.input);
    if (!validate(req.input)) {
      const problems = (validate.errors ?? []).map((e) => `${e.instancePath || 'input'} ${e.message ?? 'is invalid'}`);
      throw toolInputError(`the workflow's input schema rejected the input: ${problems.join('; ')}`);
    }
  }
  return { definitionId: def.id, version: v.version, spec: v.spec };
}
