import type { MessageCitation } from '../persistence/entities';
/**
 * The token path of a chat turn: one Redis stream per turn (never Temporal history).
 * The activity appends; every API process relays it to SSE/WebSocket clients, and the
 * stream entry id is the SSE `id:` a client resumes from with Last-Event-ID.
 */
export type TurnEvent =
  | { type: 'turn'; data: { turnId: string; conversationId: string; userMessageId: string; model: string } }
  | { type: 'token'; data: { text: string } }
  /** A retry or a fallback restarts the text: clients drop what they have of this turn. */
  | { type: 'reset'; data: { attempt: number; reason: string } }
  | { type: 'tool'; data: Record<string, unknown> }
  | { type: 'done'; data: { messageId: string; content?: string; finishReason: string; usage: TurnUsage; citations?: MessageCitation[] } }
  | { type: 'error'; data: { status: number; title: string; detail: string } }
  | { type: 'cancelled'; data: { messageId: string | null } };

export interface TurnUsage {
  inputTokens: number;
  outputTokens: number;
  costUsd: string;
  provider: string;
  model: string;
}

export type TurnEventType = TurnEvent['type'];

/** Events after which nothing more comes on a turn's stream. */
export const TERMINAL_EVENTS: ReadonlySet<TurnEventType> = new Set(['done', 'error', 'cancelled']);

export function turnStreamKey(turnId: string): string {
  return `turn:{${turnId}}:events`;
}

/** Redis stream fields: t = type, d = JSON data. */
export function encodeTurnEvent(event: TurnEvent): [string, string, string, string] {
  return ['t', event.type, 'd', JSON.stringify(event.data)];
}

export function decodeTurnEvent(fields: string[]): TurnEvent | undefined {
  let type: string | undefined;
  let data: string | undefined;
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === 't') type = fields[i + 1];
    else if (fields[i] === 'd') data = fields[i + 1];
  }
  if (!type || data === undefined) return undefined;
  return { type, data: JSON.parse(data) } as TurnEvent;
}

/** Compares Redis stream ids ("ms-seq"). */
export function compareStreamIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-');
  const [bm, bs = '0'] = b.split('-');
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms > 0n ? 1 : -1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq > 0n ? 1 : -1;
}

const STREAM_ID = /^\d{1,20}(-\d{1,20})?$/;
export function isStreamId(value: string): boolean {
  return STREAM_ID.test(value);
}
