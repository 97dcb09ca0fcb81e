import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import Redis from 'ioredis';
import { createReplyProviders } from '../../shared/chat/llm-reply-providers';
import type { ReplyCandidate, ReplyProviders, ReplyRequest } from '../../shared/chat/reply-provider';
import type { ProviderEvent } from '../../shared/llm/provider.types';
import { ChatTurn, Conversation, Message, MessageRole, UsageRecord, User } from '../../shared/persistence/entities';
import { mikroOrmConfig } from '../../shared/persistence/mikro-orm.config';
import { decodeTurnEvent, turnStreamKey, TurnEvent } from '../../shared/streams/turn-events';
import type { ChatTurnInput } from '../../workflows/chat-turn/chat-turn.contract';
import { stack } from './stack';

/** The stack's real Postgres (through MikroORM) and Redis, as the worker process opens them. */
export async function openStores(): Promise<{ orm: MikroORM; redis: Redis; close(): Promise<void> }> {
  const orm = await MikroORM.init(mikroOrmConfig({ DATABASE_URL: stack.databaseUrl, DATABASE_POOL_MAX: 4 }));
  const redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: 3 });
  return {
    orm,
    redis,
    async close() {
      redis.disconnect();
      await orm.close(true);
    },
  };
}

export interface SeededTurn {
  userId: string;
  conversationId: string;
  input: ChatTurnInput;
}

/** The rows the API writes before it starts a turn: user, conversation, user message, running chat_turns row. */
export async function seedTurn(orm: MikroORM, model: string, text = 'hello from the spec'): Promise<SeededTurn> {
  const em = orm.em.fork();
  const user = em.create(User, { email: `turn-${randomUUID()}@example.test`, name: 'Turn spec' });
  const conversation = em.create(Conversation, { owner: user, title: 'turn spec' });
  const turnId = randomUUID();
  const message = em.create(Message, { conversation, author: user, role: MessageRole.User, content: text, turnId });
  em.create(ChatTurn, { id: turnId, user, conversation, userMessageId: message.id, model });
  await em.flush();
  return {
    userId: user.id,
    conversationId: conversation.id,
    input: { turnId, userId: user.id, conversationId: conversation.id, userMessageId: message.id, model },
  };
}

/** Every event on a turn's Redis stream, oldest first. */
/** What a turn left in Postgres: its row, its final assistant message(s) and its usage rows. */
export async function storedTurn(orm: MikroORM, turnId: string) {
  const em = orm.em.fork();
  return {
    turn: await em.findOneOrFail(ChatTurn, turnId),
    assistant: await em.find(Message, { turnId, role: MessageRole.Assistant }),
    usage: await em.find(UsageRecord, { sourceId: turnId }),
  };
}

export async function turnEvents(redis: Redis, turnId: string): Promise<TurnEvent[]> {
  const entries = await redis.xrange(turnStreamKey(turnId), '-', '+');
  return entries.map(([, fields]) => decodeTurnEvent(fields)!);
}

/** The reply a client would show: tokens since the last reset. */
export function visibleText(events: TurnEvent[]): string {
  let text = '';
  for (const e of events) {
    if (e.type === 'reset') text = '';
    if (e.type === 'token') text += e.data.text;
  }
  return text;
}

export type CandidateScript = (request: ReplyRequest, signal: AbortSignal) => AsyncIterable<ProviderEvent>;

/** A fallback-chain member whose stream is the given script (the LLM layer is the only test double). */
export function scriptedCandidate(model: string, provider: string, script: CandidateScript): ReplyCandidate {
  return { provider, model, contextTokens: 8192, inputPricePerMTok: '1', outputPricePerMTok: '2', stream: script };
}

/**
 * ReplyProviders over scripted candidates, keyed by the turn's model. Errors are classified by
 * the real LLM layer, so a ProviderError here is treated exactly as in production.
 */
export class ScriptedReplyProviders implements ReplyProviders {
  private readonly chains = new Map<string, ReplyCandidate[]>();
  private readonly real = createReplyProviders(new Map());

  /** Registers a chain under a fresh model id and returns that id. */
  chain(name: string, candidates: ReplyCandidate[]): string {
    const model = `scripted/${name}-${randomUUID().slice(0, 8)}`;
    this.chains.set(model, candidates);
    return model;
  }

  candidates(model: string): ReplyCandidate[] {
    return this.chains.get(model) ?? this.real.candidates(model);
  }

  classify = (err: unknown) => this.real.classify(err);
}

/** Streams `words` as text deltas (space-joined), then usage and finish; honours the abort signal between words. */
export async function* words(list: string[], opts: { signal?: AbortSignal; delayMs?: number; inputTokens?: number } = {}): AsyncIterable<ProviderEvent> {
  for (let i = 0; i < list.length; i++) {
    if (opts.delayMs) await abortableDelay(opts.delayMs, opts.signal);
    opts.signal?.throwIfAborted();
    yield { type: 'text', delta: (i ? ' ' : '') + list[i] };
  }
  yield { type: 'usage', inputTokens: opts.inputTokens ?? 7, outputTokens: list.length };
  yield { type: 'finish', reason: 'stop' };
}

function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      },
      { once: true },
    );
  });
}
