import type { Principal } from '../common/auth/principal';

/**
 * Workflows written in TypeScript (workflows/<name>/) that the /workflows API lists and runs next to
 * declared ones. An entry names the workflow type, the JSON Schema of what a caller sends, and how a
 * call becomes a start (the access checks live there: ids in the input are checked like path ids).
 */
export interface CodeWorkflowStart {
  workflowId: string;
  args: unknown[];
  /** Search attributes beyond kind and user, which the API always sets. */
  conversationId?: string;
  model?: string;
}

export interface CodeWorkflow {
  /** Addressed as `code:<name>` in /workflows routes. */
  name: string;
  workflowType: string;
  title: string;
  description: string;
  inputSchema: Record<string, unknown>;
  queue: 'interactive' | 'background';
  /** Resolved by the service through Nest (an entry's dependencies are providers). */
  prepare: (principal: Principal, input: Record<string, unknown>, deps: CodeWorkflowDeps) => Promise<CodeWorkflowStart>;
}

export interface CodeWorkflowDeps {
  summarizeStart(principal: Principal, conversationId: string): Promise<CodeWorkflowStart>;
}

export const CODE_WORKFLOWS: readonly CodeWorkflow[] = [
  {
    name: 'summarize-conversation',
    workflowType: 'summarizeConversationWorkflow',
    title: 'Summarize a conversation',
    description: "Summarizes one of your conversations as it is now with its model (or the default); the summary is stored on the conversation.",
    inputSchema: { type: 'object', required: ['conversationId'], additionalProperties: false, properties: { conversationId: { type: 'string', format: 'uuid' } } },
    queue: 'background',
    prepare: (principal, input, deps) => deps.summarizeStart(principal, String(input.conversationId)),
  },
];

export function codeWorkflow(name: string): CodeWorkflow | undefined {
  return CODE_WORKFLOWS.find((w) => w.name === name);
}
