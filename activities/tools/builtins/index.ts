import type { MikroORM } from '@mikro-orm/postgresql';
import type { SafeHttpClient } from '../../../shared/http/safe-http.client';
import { calculator } from './calculator';
import { conversationSearch } from './conversation-search';
import { currentTime } from './current-time';
import { fetchUrlAsText } from './fetch-url';

export interface BuiltinContext {
  userId: string;
  timeoutMs: number;
  signal: AbortSignal;
  orm: MikroORM;
  http: SafeHttpClient;
}

type Builtin = (input: Record<string, unknown>, ctx: BuiltinContext) => unknown;

/** Implementations by tool name; inputs were validated against the tool's schema before the run started. */
export const BUILTINS: Record<string, Builtin> = {
  current_time: (input) => currentTime(input as { timezone?: string }),
  calculator: (input) => calculator(input as { expression: string }),
  fetch_url_as_text: (input, ctx) => fetchUrlAsText(ctx.http, input as { url: string; maxChars?: number }, ctx),
  conversation_search: (input, ctx) => conversationSearch(ctx.orm, ctx.userId, input as { query: string; limit?: number }),
};

/** Built-ins whose result depends on who calls: their cache entries are per caller. */
export const CALLER_SCOPED_BUILTINS: ReadonlySet<string> = new Set(['conversation_search']);
