/** Contract of the summarizeConversation workflow, shared by the API (start, wait) and the worker. */
export interface SummarizeConversationInput {
  conversationId: string;
  /** Owner, billed for the model call. */
  userId: string;
  /** The newest message the summary covers: later messages belong to a later summary. */
  lastMessageId: string;
  /** Model-registry id: the conversation's model or the default. */
  model: string;
  requestId?: string;
}

export interface SummarizeConversationResult {
  conversationId: string;
  summary: string;
  /** The model that actually answered (a fallback when the first failed). */
  model: string;
  provider: string;
}

export const SUMMARIZE_CONVERSATION_WORKFLOW = 'summarizeConversationWorkflow';

/** One workflow per conversation state (its newest message): the same state is summarized once. */
export function summarizeConversationWorkflowId(conversationId: string, lastMessageId: string): string {
  return `summarize:${conversationId}:${lastMessageId}`;
}
