import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDefinition } from './definition-parser';

/** Shipped templates: shared/workflow-templates/<id>.yaml (copied beside dist by nest-cli assets). */
export const TEMPLATES_DIR = join(__dirname, '..', 'workflow-templates');

export interface WorkflowTemplate {
  id: string;
  name: string;
  description: string;
  triggers: string[];
  source: string;
}

let cache: WorkflowTemplate[] | undefined;

export function workflowTemplates(): WorkflowTemplate[] {
  cache ??= readdirSync(TEMPLATES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const source = readFileSync(join(TEMPLATES_DIR, f), 'utf8');
      const parsed = parseDefinition(source, 'yaml');
      if (!parsed.ok) throw new Error(`template ${f} is invalid: ${JSON.stringify(parsed.errors)}`);
      const { name, description = '', triggers = [] } = parsed.spec;
      return { id: f.replace(/\.yaml$/, ''), name, description, triggers: triggers.map((t) => t.type), source };
    });
  return cache;
}
