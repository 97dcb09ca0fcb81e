/**
 * The published JSON Schema (draft-07) of a workflow definition, served at GET /workflows/schema.
 * Node kinds are told apart by `type` (and actions by `kind`) with Ajv's discriminator, so an error
 * names the one schema that applies instead of every alternative.
 */
const ID = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$', description: 'unique in the definition' };
const DURATION = { type: 'string', pattern: '^[0-9]{1,6}(ms|s|m|h|d|w)$', description: 'e.g. 30s, 10m, 3d' };
const EXPRESSION = { type: 'string', minLength: 1, maxLength: 2000, description: 'jexl expression over input, steps, item, index' };
const TEMPLATED = { type: 'string', maxLength: 20000, description: 'text; ${{ expression }} is replaced by its value' };

const base = {
  id: ID,
  name: { type: 'string', maxLength: 200 },
  next: { ...ID, description: 'the node (in the same list) to go to next' },
  end: { type: 'boolean', description: 'stop the run after this node' },
};

function node(type: string, required: string[], properties: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { type: 'object', required: ['id', 'type', ...required], additionalProperties: false, properties: { ...base, type: { const: type }, ...properties }, ...extra };
}

function action(kind: string, required: string[], properties: Record<string, unknown>) {
  return node('action', ['kind', ...required], { kind: { const: kind }, ...properties });
}

export const DEFINITION_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://gateway.local/schemas/workflow-definition.json',
  title: 'Workflow definition',
  type: 'object',
  required: ['name', 'nodes'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 2000 },
    input: { type: 'object', description: 'JSON Schema of the run input' },
    triggers: {
      type: 'array',
      maxItems: 5,
      items: {
        type: 'object',
        required: ['type'],
        discriminator: { propertyName: 'type' },
        oneOf: [
          { type: 'object', additionalProperties: false, properties: { type: { const: 'manual' } } },
          { type: 'object', additionalProperties: false, properties: { type: { const: 'webhook' } } },
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'cron'],
            properties: {
              type: { const: 'schedule' },
              cron: { type: 'string', pattern: '^\\S+( \\S+){4}$', description: 'five cron fields' },
              timezone: { type: 'string', maxLength: 64 },
              input: { type: 'object' },
            },
          },
        ],
      },
    },
    nodes: { $ref: '#/definitions/nodes' },
  },
  definitions: {
    nodes: { type: 'array', minItems: 1, maxItems: 200, items: { $ref: '#/definitions/node' } },
    node: {
      type: 'object',
      required: ['type'],
      discriminator: { propertyName: 'type' },
      oneOf: [
        { $ref: '#/definitions/action' },
        node('decision', ['cases'], {
          cases: { type: 'array', minItems: 1, maxItems: 50, items: { type: 'object', required: ['when', 'then'], additionalProperties: false, properties: { when: EXPRESSION, then: ID } } },
          else: ID,
        }),
        node('parallel', ['branches'], {
          branches: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'object', required: ['nodes'], additionalProperties: false, properties: { id: ID, nodes: { $ref: '#/definitions/nodes' } } } },
          join: { enum: ['all', 'any', 'n'] },
          count: { type: 'integer', minimum: 1 },
        }),
        node('loop', ['max', 'do'], {
          forEach: EXPRESSION,
          while: EXPRESSION,
          max: { type: 'integer', minimum: 1, maximum: 1000 },
          onCap: { enum: ['fail', 'stop'] },
          do: { $ref: '#/definitions/nodes' },
        }),
        node('wait', [], { duration: DURATION, until: { type: 'string', maxLength: 2000 }, signal: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,63}$' }, timeout: DURATION }),
        node('approval', [], { message: TEMPLATED, timeout: DURATION, onTimeout: { enum: ['approve', 'reject'] }, onReject: ID }),
        node('sub-workflow', ['workflow'], { workflow: { type: 'string', format: 'uuid' }, input: { type: 'object' } }),
      ],
    },
    action: {
      type: 'object',
      required: ['type', 'kind'],
      properties: { type: { const: 'action' } },
      discriminator: { propertyName: 'kind' },
      oneOf: [
        action('http', ['request'], {
          request: {
            type: 'object',
            required: ['url'],
            additionalProperties: false,
            properties: {
              method: { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] },
              url: { type: 'string', minLength: 1, maxLength: 2000 },
              headers: { type: 'object', additionalProperties: { type: 'string' } },
              body: {},
            },
          },
          timeout: DURATION,
        }),
        action('llm', ['prompt'], { prompt: TEMPLATED, system: TEMPLATED, model: { type: 'string', maxLength: 200 }, maxTokens: { type: 'integer', minimum: 1, maximum: 8192 }, timeout: DURATION }),
        action('notify', ['to', 'subject', 'text'], { to: { type: 'string', maxLength: 320 }, subject: { type: 'string', maxLength: 300 }, text: TEMPLATED }),
        action('tool', ['tool'], { tool: { type: 'string', minLength: 1, maxLength: 64 }, arguments: { type: 'object' }, timeout: DURATION }),
      ],
    },
  },
} as const;
