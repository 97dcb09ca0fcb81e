import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ChatTurn, Conversation, Message, MessageRole } from '../../shared/persistence/entities';
import type { TurnEvent } from '../../shared/streams/turn-events';
import { ChatService } from '../chat/chat.service';
import { SseStream } from '../chat/sse-stream';
import { TurnEventsReader } from '../chat/turn-events.reader';
import type { Principal } from '../common/auth/principal';
import { ProblemException, Problems, type TurnFailure } from '../common/problem/problem.exception';
import { ModelsService } from '../models/models.service';
import type { ChatCompletionRequestDto } from './dto/chat-completion.dto';
import { ChunkTranslator, completionBody, completionId, CompletionMeta, openAiError, textOf, usageOf } from './openai-format';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
export const API_CONVERSATION_TAG = 'api';

/**
 * OpenAI chat completions over durable chat turns. The client sends the whole conversation, so each
 * request gets a conversation of its own (tagged `api`) holding those messages; the turn then runs
 * exactly as a /chat turn does (same workflow, same activity, same Redis stream).
 */
@Injectable()
export class ChatCompletionsService {
  constructor(
    private readonly em: EntityManager,
    private readonly chat: ChatService,
    private readonly models: ModelsService,
    private readonly events: TurnEventsReader,
  ) {}

  async create(principal: Principal, dto: ChatCompletionRequestDto, idempotencyKey: string | undefined, reply: FastifyReply): Promise<void> {
    const turn = await this.start(principal, dto, idempotencyKey);
    if (dto.stream) return this.stream(turn, !!dto.stream_options?.include_usage, reply);
    const body = await this.complete(turn);
    void reply.header('x-turn-id', turn.id).header('x-conversation-id', turn.conversation.id).send(body);
  }

  /** Starts the turn (or finds the one this Idempotency-Key started) over the request's messages. */
  private async start(principal: Principal, dto: ChatCompletionRequestDto, idempotencyKey: string | undefined): Promise<ChatTurn> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw badRequest('Idempotency-Key must be 1-200 visible ASCII characters', 'Idempotency-Key');
    }
    const model = this.models.resolve(dto.model);
    const last = dto.messages[dto.messages.length - 1];
    if (last.role !== 'user') throw badRequest('The last message must be a user message', 'messages');
    const request = { message: textOf(last.content), model, maxTokens: dto.max_completion_tokens ?? dto.max_tokens, temperature: dto.temperature };

    if (idempotencyKey && (await this.em.count(ChatTurn, { user: principal.userId, idempotencyKey }))) {
      return this.chat.startTurn(principal, request, idempotencyKey);
    }
    const conversation = await this.seedConversation(principal, dto, model);
    const turn = await this.chat.startTurn(principal, { ...request, conversationId: conversation.id }, idempotencyKey);
    // A concurrent request with the same key won the race: its turn is the answer, this seed is dropped.
    if (turn.conversation.id !== conversation.id) await this.em.nativeDelete(Conversation, { id: conversation.id });
    return turn;
  }

  /**
   * The conversation the turn's context is loaded from: every message but the last (ChatService adds that one).
   * System (and developer) messages become its system prompt. createdAt is spaced 1 ms apart so the
   * activity's (createdAt, id) order is the request's order.
   */
  private async seedConversation(principal: Principal, dto: ChatCompletionRequestDto, model: string): Promise<Conversation> {
    const system = dto.messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => textOf(m.content));
    const history = dto.messages.slice(0, -1).filter((m) => m.role === 'user' || m.role === 'assistant');
    const conversation = this.em.create(Conversation, {
      owner: principal.userId,
      title: titleFrom(textOf(dto.messages[dto.messages.length - 1].content)),
      tags: [API_CONVERSATION_TAG],
      model,
      systemPrompt: system.length ? system.join('\n\n') : null,
    });
    const base = Date.now() - history.length - 1;
    history.forEach((m, i) =>
      this.em.create(Message, {
        conversation,
        author: m.role === 'user' ? principal.userId : null,
        role: m.role === 'user' ? MessageRole.User : MessageRole.Assistant,
        content: textOf(m.content),
        createdAt: new Date(base + i),
      }),
    );
    await this.em.flush();
    return conversation;
  }

  /** Waits for the workflow, then answers a `chat.completion` from the system of record. */
  private async complete(turn: ChatTurn) {
    const result = await this.chat.turnResult(turn.id);
    if (result.status === 'failed') throw turnProblem(turn.id, result.error ?? { status: 502, title: 'Upstream error', detail: 'The turn failed' });
    if (result.status === 'cancelled') throw cancelledProblem(turn.id);
    await this.em.refresh(turn);
    const dto = await this.chat.describe(turn);
    const done = await this.events.terminalEvent(turn.id);
    const finishReason = done?.type === 'done' ? done.data.finishReason : 'stop';
    return completionBody(meta(turn), dto.content ?? '', finishReason, usageOf(dto.usage?.inputTokens ?? 0, dto.usage?.outputTokens ?? 0));
  }

  /**
   * Relays the turn's stream as chunks. Nothing is written until the first token (or the end): a turn
   * that fails before any text answers with a plain HTTP problem (401, 429 + Retry-After, 502, 504), as OpenAI does.
   */
  private async stream(turn: ChatTurn, includeUsage: boolean, reply: FastifyReply): Promise<void> {
    const translator = new ChunkTranslator(meta(turn), includeUsage);
    const replay = (await this.events.pastRetention(turn))?.event;
    this.em.clear(); // the request's entity manager is not used by the long-lived response

    await new Promise<void>((resolve, reject) => {
      let out: SseStream | undefined;
      let finished = false;
      let unsubscribe: (() => void) | undefined;
      const stop = () => {
        finished = true;
        unsubscribe?.();
      };
      const onEvent = (event: TurnEvent) => {
        if (finished) return;
        if (!out) {
          if (event.type === 'turn' || event.type === 'reset' || event.type === 'tool' || (event.type === 'token' && !event.data.text)) return;
          if (event.type === 'error' || event.type === 'cancelled') {
            stop();
            reject(event.type === 'error' ? turnProblem(turn.id, event.data) : cancelledProblem(turn.id));
            return;
          }
          out = new SseStream(reply, { 'x-turn-id': turn.id, 'x-conversation-id': turn.conversation.id });
          out.onClose(stop);
          resolve();
        }
        const { frames, end } = translator.translate(event);
        for (const f of frames) out.data(f);
        if (end) {
          out.end();
          stop();
        }
      };
      reply.raw.on('close', () => {
        if (out) return;
        stop(); // the client left before the first byte; the turn itself runs on
        resolve();
      });
      if (replay) return onEvent(replay);
      this.events.subscribe(turn.id, '0', (_id, event) => onEvent(event)).then((u) => {
        unsubscribe = u;
        if (finished) u();
      }, reject);
    });
  }
}

function meta(turn: ChatTurn): CompletionMeta {
  return { id: completionId(turn.id), created: Math.floor(turn.createdAt.getTime() / 1000), model: turn.model };
}

function badRequest(detail: string, param: string): ProblemException {
  return new ProblemException(400, 'Bad request', detail, { errors: [{ field: param, message: detail }], error: openAiError(400, detail, param) });
}

/** A failed turn as an HTTP problem (Problems.turnFailed) that also carries OpenAI's error object. */
function turnProblem(turnId: string, e: TurnFailure): ProblemException {
  return Problems.turnFailed(turnId, e, { error: openAiError(e.status, e.detail) });
}

function cancelledProblem(turnId: string): ProblemException {
  return new ProblemException(409, 'Conflict', 'The turn was cancelled before it completed', { turnId, error: openAiError(409, 'The turn was cancelled', null, 'turn_cancelled') });
}

function titleFrom(message: string): string {
  const line = message.trim().split('\n')[0] ?? '';
  return `API: ${line.length > 72 ? `${line.slice(0, 69)}...` : line || 'chat completion'}`;
}
