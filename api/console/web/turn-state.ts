// What the console knows of one streamed chat turn, folded from its SSE events. Pure (no DOM), so
// the exactly-once rules are unit-tested; the state is what a reload saves and resumes from.

export interface TurnEventIn {
  id?: string;
  event?: string;
  data: string;
}

export interface ToolNote {
  phase: string;
  name: string;
  approvalId?: string;
  error?: string;
}

export type TurnStatus = 'running' | 'completed' | 'cancelled' | 'failed';

export interface TurnState {
  turnId: string | null;
  conversationId: string | null;
  userMessageId: string | null;
  model: string | null;
  /** The id of the last event applied: sent as Last-Event-ID on a resume. */
  lastEventId: string | null;
  text: string;
  tools: ToolNote[];
  status: TurnStatus;
  error: string | null;
}

export function newTurn(conversationId: string | null = null): TurnState {
  return { turnId: null, conversationId, userMessageId: null, model: null, lastEventId: null, text: '', tools: [], status: 'running', error: null };
}

/** Redis stream ids (`<ms>-<seq>`) in order; -1 / 0 / 1. */
export function compareEventIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  if ((as ?? 0n) !== (bs ?? 0n)) return (as ?? 0n) < (bs ?? 0n) ? -1 : 1;
  return 0;
}

const STREAM_ID = /^\d+-\d+$/;

function parse(data: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(data);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Applies one event. An event at or before `lastEventId` was already applied (a resume that
 * overlaps) and changes nothing, so the reply's text is never doubled. `reset` drops the text of an
 * interrupted attempt: the retry streams it again from the start.
 */
export function applyEvent(state: TurnState, ev: TurnEventIn): TurnState {
  if (ev.id && STREAM_ID.test(ev.id)) {
    if (state.lastEventId && compareEventIds(ev.id, state.lastEventId) <= 0) return state;
  }
  const next: TurnState = { ...state, lastEventId: ev.id && STREAM_ID.test(ev.id) ? ev.id : state.lastEventId };
  const data = parse(ev.data);
  switch (ev.event) {
    case 'turn':
      next.turnId = str(data.turnId) ?? next.turnId;
      next.conversationId = str(data.conversationId) ?? next.conversationId;
      next.userMessageId = str(data.userMessageId) ?? next.userMessageId;
      next.model = str(data.model) ?? next.model;
      break;
    case 'token':
      next.text += str(data.text) ?? '';
      break;
    case 'reset':
      next.text = '';
      break;
    case 'tool':
      next.tools = [...next.tools, { phase: str(data.phase) ?? '?', name: str(data.name) ?? '?', approvalId: str(data.approvalId), error: str(data.error) }];
      break;
    case 'done':
      next.status = 'completed';
      break;
    case 'cancelled':
      next.status = 'cancelled';
      break;
    case 'error':
      next.status = 'failed';
      next.error = [str(data.title), str(data.detail)].filter(Boolean).join(': ') || 'The turn failed';
      break;
    default:
      // Comments and unknown events (keepalives) change nothing but the position.
      break;
  }
  return next;
}

export function isFinished(state: TurnState): boolean {
  return state.status !== 'running';
}

/** Reads a saved state back (sessionStorage holds text; anything malformed is dropped). */
export function restoreTurn(raw: string | null): TurnState | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<TurnState>;
    if (typeof v.turnId !== 'string' || typeof v.text !== 'string' || v.status !== 'running') return null;
    return { ...newTurn(), ...v, tools: Array.isArray(v.tools) ? v.tools : [] } as TurnState;
  } catch {
    return null;
  }
}
