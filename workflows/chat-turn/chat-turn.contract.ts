/** Contract of the chatTurn workflow, shared by the API (start, cancel, query) and the worker. */
export interface ChatTurnInput {
  turnId: string;
  userId: string;
  conversationId: string;
  userMessageId: string;
  /** Model-registry id, e.g. local/gemma3-270m. */
  model: string;
  maxTokens?: number;
  temperature?: number;
  requestId?: string;
}

export type ChatTurnOutcome = 'completed' | 'failed' | 'cancelled';

export interface ChatTurnResult {
  turnId: string;
  status: ChatTurnOutcome;
  assistantMessageId: string | null;
  provider?: string;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: string;
  error?: TurnProblem;
}

/** Result of the provider activity, kept small: the text itself never enters workflow history. */
export interface GenerateReplyResult {
  assistantMessageId: string;
  provider: string;
  finishReason: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: string;
}

export interface FinishTurnInput {
  turnId: string;
  status: 'failed' | 'cancelled';
  error?: TurnProblem;
}

/** Why a turn failed, as the API reports it (problem+json fields). */
export interface TurnProblem {
  status: number;
  title: string;
  detail: string;
  retryAfterSeconds?: number;
}

export const CHAT_TURN_WORKFLOW = 'chatTurnWorkflow';

/** The turn id is the workflow's business key: starting it twice is a no-op. */
export function chatTurnWorkflowId(turnId: string): string {
  return `chat-turn:${turnId}`;
}
