import type { ToolRetryPolicy } from '../../workflows/tool-run/tool-run.contract';

/** A built-in tool as first registered; administrators may PATCH it like any other tool afterwards. */
export interface BuiltinToolDefinition {
  name: string;
  description: string;
  category: string;
  inputSchema: Record<string, unknown>;
  timeoutMs: number;
  retry: ToolRetryPolicy;
  resultMaxBytes: number;
  cacheTtlSeconds: number;
}

const NO_RETRY: ToolRetryPolicy = { maxAttempts: 1, initialMs: 1000, coefficient: 2, maxMs: 10_000 };

export const BUILTIN_TOOLS: readonly BuiltinToolDefinition[] = [
  {
    name: 'current_time',
    description: 'The current date and time in an IANA time zone (UTC by default).',
    category: 'utility',
    inputSchema: {
      type: 'object',
      properties: { timezone: { type: 'string', minLength: 1, maxLength: 64, description: 'IANA zone, e.g. Europe/Paris' } },
      additionalProperties: false,
    },
    timeoutMs: 5000,
    retry: NO_RETRY,
    resultMaxBytes: 4096,
    cacheTtlSeconds: 0,
  },
  {
    name: 'calculator',
    description: 'Evaluates an arithmetic expression: + - * / % ^, parentheses, sqrt, abs, round, floor, ceil, exp, ln, log10, sin, cos, tan, min, max, pow, pi, e.',
    category: 'utility',
    inputSchema: {
      type: 'object',
      properties: { expression: { type: 'string', minLength: 1, maxLength: 1000 } },
      required: ['expression'],
      additionalProperties: false,
    },
    timeoutMs: 5000,
    retry: NO_RETRY,
    resultMaxBytes: 4096,
    cacheTtlSeconds: 3600,
  },
  {
    name: 'fetch_url_as_text',
    description: 'Fetches a public web page and returns its text (HTML converted to plain text, size-capped).',
    category: 'web',
    inputSchema: {
      type: 'object',
      properties: {
        url: { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2048 },
        maxChars: { type: 'integer', minimum: 100, maximum: 100_000 },
      },
      required: ['url'],
      additionalProperties: false,
    },
    timeoutMs: 15_000,
    retry: { maxAttempts: 2, initialMs: 1000, coefficient: 2, maxMs: 5000 },
    resultMaxBytes: 262_144,
    cacheTtlSeconds: 300,
  },
  {
    name: 'conversation_search',
    description: "Searches the messages of the caller's own conversations for a text.",
    category: 'knowledge',
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', minLength: 1, maxLength: 200 },
        limit: { type: 'integer', minimum: 1, maximum: 50 },
      },
      required: ['query'],
      additionalProperties: false,
    },
    timeoutMs: 10_000,
    retry: { maxAttempts: 2, initialMs: 500, coefficient: 2, maxMs: 2000 },
    resultMaxBytes: 65_536,
    cacheTtlSeconds: 0,
  },
];

export const BUILTIN_TOOL_NAMES: ReadonlySet<string> = new Set(BUILTIN_TOOLS.map((t) => t.name));
