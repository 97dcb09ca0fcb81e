import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Tool, ToolVersion } from '../../shared/persistence/entities';
import { chatToolRunWorkflowId, type PlannedToolCall } from '../../workflows/chat-turn/chat-turn.contract';
import { toolSpecOf } from '../../shared/tools/tool-spec';
import type { ToolCall, ToolDefinition } from '../../shared/llm/provider.types';

/** A tool offered to the model in a turn: its live registry row and the version new runs use. */
export interface TurnTool {
  tool: Tool;
  version: ToolVersion;
}

/** What the model reads of a tool result; longer results are cut (the full result stays in tool_runs). */
export const TOOL_MESSAGE_MAX_CHARS = 16_000;
/** What a `tool` stream event carries of a result. */
const EVENT_RESULT_MAX_CHARS = 2_000;

/** A UUID derived from a key (name-based, SHA-1, version 5 layout): a retry names the same row. */
export function stableUuid(key: string): string {
  const h = createHash('sha1').update(`gateway:${key}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The assistant message of a tool step, named by turn and step. */
export const stepMessageId = (turnId: string, step: number) => stableUuid(`turn:${turnId}:step:${step}`);
export const toolMessageId = (turnId: string, step: number, index: number) => stableUuid(`turn:${turnId}:tool:${step}:${index}`);

/** The turn's tools that still exist (a tool deleted since the request is simply not offered). */
export async function loadTurnTools(em: EntityManager, names: string[] | undefined): Promise<Map<string, TurnTool>> {
  const out = new Map<string, TurnTool>();
  if (!names?.length) return out;
  const tools = await em.find(Tool, { name: { $in: names }, deletedAt: null });
  for (const tool of tools) {
    const version = await em.findOneOrFail(ToolVersion, { tool, version: tool.currentVersion });
    out.set(tool.name, { tool, version });
  }
  return out;
}

export function toolDefinitions(tools: Map<string, TurnTool>): ToolDefinition[] {
  return [...tools.values()].map(({ tool, version }) => ({ name: tool.name, description: version.description, parameters: version.inputSchema }));
}


const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
// Compiled per tool version (immutable), bounded so a long-lived worker does not grow.
const compiled = new Map<string, ValidateFunction>();

/** The input's problems against the version's schema, as short texts ([] when valid). */
export function inputProblems(version: ToolVersion, input: unknown): string[] {
  let fn = compiled.get(version.id);
  if (!fn) {
    fn = ajv.compile(version.inputSchema);
    ajv.removeSchema(version.inputSchema);
    if (compiled.size >= 500) compiled.delete(compiled.keys().next().value!);
    compiled.set(version.id, fn);
  }
  return fn(input) ? [] : (fn.errors ?? []).map((e) => `${e.instancePath || 'input'} ${e.message ?? 'is invalid'}`);
}

/** Resolves the model's calls: the version each runs, or why it is refused (the model is told). */
export function planToolCalls(turnId: string, userId: string, step: number, calls: ToolCall[], tools: Map<string, TurnTool>): PlannedToolCall[] {
  return calls.map((call, index) => {
    const runId = stableUuid(`turn:${turnId}:run:${step}:${index}`);
    const base = { callId: call.id || `call_${step}_${index}`, name: call.name, index, runId, workflowId: chatToolRunWorkflowId(turnId, step, index) };
    const offered = tools.get(call.name);
    if (!offered) return { ...base, refusal: `The tool "${call.name}" is not available in this conversation.` };
    let input: unknown;
    try {
      input = call.arguments.trim() ? JSON.parse(call.arguments) : {};
    } catch {
      return { ...base, refusal: 'The arguments are not valid JSON.' };
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ...base, refusal: 'The arguments must be a JSON object.' };
    const problems = inputProblems(offered.version, input);
    if (problems.length) return { ...base, refusal: `The arguments were rejected: ${problems.join('; ')}.` };
    return {
      ...base,
      tool: toolSpecOf(call.name, offered.version),
      input: input as Record<string, unknown>,
      ...(offered.version.requiresApproval ? { approvalId: stableUuid(`turn:${turnId}:approval:${step}:${index}`) } : {}),
    };
  });
}

/** A result as the model reads it (JSON text, cut to TOOL_MESSAGE_MAX_CHARS). */
export function toolMessageText(result: unknown): string {
  const text = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  return text.length > TOOL_MESSAGE_MAX_CHARS ? `${text.slice(0, TOOL_MESSAGE_MAX_CHARS)}…[truncated]` : text;
}

/** A result as a stream event carries it: the value when small, else a cut JSON text marked truncated. */
export function eventResult(result: unknown): { result: unknown; truncated?: true } {
  const text = JSON.stringify(result ?? null);
  return text.length <= EVENT_RESULT_MAX_CHARS ? { result: result ?? null } : { result: text.slice(0, EVENT_RESULT_MAX_CHARS), truncated: true };
}
