import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDefinition } from './definition-parser';
import { evaluateExpression, renderTemplates } from './expressions';
import { TEMPLATES_DIR, workflowTemplates } from './workflow-templates';

const templateFiles = readdirSync(TEMPLATES_DIR).filter((f) => f.endsWith('.yaml'));

describe('workflow definitions', () => {
  it.each(templateFiles)('template %s passes schema and rule validation', (file) => {
    const parsed = parseDefinition(readFileSync(join(TEMPLATES_DIR, file), 'utf8'));
    expect(parsed).toMatchObject({ ok: true, format: 'yaml' });
  });

  it('ships at least ten templates, including the three from the brief', () => {
    const ids = workflowTemplates().map((t) => t.id);
    expect(ids.length).toBeGreaterThanOrEqual(10);
    expect(ids).toEqual(expect.arrayContaining(['approval-flow', 'data-pipeline', 'incident-response']));
  });

  it('reports schema errors with the field path and the source line', () => {
    const source = ['name: Bad', 'nodes:', '  - id: a', '    type: wait', '    duration: 3 days', '  - id: b', '    type: teleport', '  - id: c', '    type: action', '    kind: http', '    request: {}', '    colour: red'].join('\n');
    const parsed = parseDefinition(source);
    expect(parsed.ok).toBe(false);
    const errors = parsed.ok ? [] : parsed.errors;
    expect(errors).toEqual(
      expect.arrayContaining([
        { field: 'nodes[0].duration', line: 5, message: expect.stringContaining('pattern') },
        { field: 'nodes[1].type', line: 7, message: expect.any(String) },
        { field: 'nodes[2].request.url', line: 11, message: 'is required' },
        { field: 'nodes[2].colour', line: 12, message: 'is not a known field here' },
      ]),
    );
  });

  it('reports unknown jump targets, duplicate ids and bad expressions on their lines', () => {
    const source = [
      'name: Rules',
      'nodes:',
      '  - id: pick',
      '    type: decision',
      '    cases:',
      '      - when: input.x >',
      '        then: nowhere',
      '  - id: pick',
      '    type: wait',
      '    signal: go',
    ].join('\n');
    const parsed = parseDefinition(source);
    expect(parsed.ok ? [] : parsed.errors).toEqual([
      { field: 'nodes[0].cases[0].when', line: 6, message: expect.stringContaining('input.x >') },
      { field: 'nodes[0].cases[0].then', line: 7, message: '"nowhere" is not a node in the same list' },
      { field: 'nodes[1].id', line: 8, message: '"pick" is used by another node' },
    ]);
  });

  it('parses JSON definitions with lines too, and YAML syntax errors name their line', () => {
    const json = '{\n  "name": "J",\n  "nodes": [\n    { "id": "w", "type": "wait", "duration": "1x" }\n  ]\n}';
    const parsed = parseDefinition(json);
    expect(parsed.ok ? [] : parsed.errors).toEqual([{ field: 'nodes[0].duration', line: 4, message: expect.any(String) }]);
    const broken = parseDefinition('name: x\nnodes:\n  - id: [unclosed\n');
    expect(broken.ok).toBe(false);
    expect(broken.ok ? undefined : broken.errors[0].line).toBeGreaterThanOrEqual(3);
  });

  it('refuses NUL from escapes, in values and keys (Postgres cannot store it), and sources nested too deeply', () => {
    const yaml = parseDefinition('name: x\nnodes:\n  - id: w\n    type: wait\n    duration: "1s\\0"\n');
    expect(yaml.ok ? [] : yaml.errors).toEqual([{ field: 'nodes[0].duration', line: 5, message: 'must not contain NUL (U+0000) characters' }]);
    const json = parseDefinition('{"name": "J", "nodes": [{"id": "w", "type": "wait", "duration": "1s"}], "input": {"a\\u0000": 1}}');
    expect(json.ok ? [] : json.errors).toEqual([{ field: 'input.a\\u0000', line: 1, message: 'keys must not contain NUL (U+0000) characters' }]);
    for (const deep of ['name: x\nnodes: ' + '['.repeat(5000) + ']'.repeat(5000), '{"name": "J", "nodes": [], "input": ' + '{"a":'.repeat(5000) + '1' + '}'.repeat(5001)]) {
      const parsed = parseDefinition(deep);
      expect(parsed.ok).toBe(false);
      expect(parsed.ok ? '' : parsed.errors[0].message).toMatch(/nested/);
    }
  });

  it('evaluates expressions and templates without eval', () => {
    expect(evaluateExpression("'URGENT' in steps.c.text|upper", { steps: { c: { text: 'urgent: disk full' } } })).toBe(true);
    expect(evaluateExpression('input.amount > 1000', { input: { amount: 1500 } })).toBe(true);
    expect(renderTemplates({ a: '${{ input.list }}', b: 'n=${{ input.list|length }}' }, { input: { list: [1, 2] } })).toEqual({ a: [1, 2], b: 'n=2' });
    // No way out to the host: jexl has no call syntax except registered transforms and functions.
    expect(() => evaluateExpression("input.constructor.constructor('return process')()", { input: {} })).toThrow(/unexpected/);
  });
});
