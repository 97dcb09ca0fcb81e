import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import type { ClientFrame, ClientFrameType, ErrorCode } from './chat-ws.protocol';
import { AuthFrame, ChatFrame, ConversationFrame, FollowFrame, ReadFrame, RequestFrame, TurnFrame, TypingFrame } from './dto/chat-ws-frames.dto';

const SCHEMAS: Record<ClientFrameType, new () => RequestFrame> = {
  join: ConversationFrame,
  leave: ConversationFrame,
  typing: TypingFrame,
  read: ReadFrame,
  chat: ChatFrame,
  follow: FollowFrame,
  unfollow: TurnFrame,
  cancel: TurnFrame,
  auth: AuthFrame,
  ping: RequestFrame,
};

export type ParsedFrame = { ok: true; frame: ClientFrame } | { ok: false; id?: string; code: ErrorCode; message: string };

/** Parses and validates one inbound text frame; every failure is a value, never a throw. */
export function parseClientFrame(text: string): ParsedFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad_json', message: 'A frame must be one JSON object' };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, code: 'bad_json', message: 'A frame must be one JSON object' };
  }
  const obj = raw as Record<string, unknown>;
  // The id is echoed back on errors only when it is well-formed.
  const id = typeof obj.id === 'string' && /^[\x21-\x7e]{1,64}$/.test(obj.id) ? obj.id : undefined;
  if (typeof obj.type !== 'string') return { ok: false, id, code: 'invalid_message', message: 'type: must be a string' };
  const schema = Object.hasOwn(SCHEMAS, obj.type) ? SCHEMAS[obj.type as ClientFrameType] : undefined;
  if (!schema) return { ok: false, id, code: 'unknown_type', message: `Unknown type "${obj.type.slice(0, 40)}"; expected one of ${Object.keys(SCHEMAS).join(', ')}` };

  const nul = findNul(obj);
  if (nul) return { ok: false, id, code: 'invalid_message', message: `${nul}: must not contain NUL (U+0000) characters` };
  const instance = plainToInstance(schema, obj);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: false } });
  if (errors.length) return { ok: false, id, code: 'invalid_message', message: describe(errors) };
  return { ok: true, frame: instance as unknown as ClientFrame };
}

function describe(errors: ValidationError[]): string {
  return errors
    .flatMap((e) =>
      Object.entries(e.constraints ?? {}).map(([rule, message]) => `${e.property}: ${rule === 'whitelistValidation' ? 'unknown field' : message}`),
    )
    .join('; ');
}

/** Postgres cannot store U+0000; reject it here rather than fail later. */
function findNul(obj: Record<string, unknown>): string | undefined {
  for (const [key, value] of Object.entries(obj)) if (typeof value === 'string' && value.includes('\0')) return key;
  return undefined;
}
