import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { createReplyProviders } from '../../shared/chat/llm-reply-providers';
import { isInternalFailure, type ReplyCandidate, type ReplyProviders } from '../../shared/chat/reply-provider';
import { capReply } from '../../shared/chat/reply-cap';
import { firstStepContext, firstTurnContext } from '../../shared/chat/turn-context';
import { createProviders } from '../../shared/llm/provider.factory';
import { AppConfig } from '../../shared/config/app-config';
import { NoProviderForModelError, UnknownModelError } from '../../shared/domain/model-registry';
import { ChatTurn } from '../../shared/persistence/entities';
import { foregroundWork } from '../../shared/observability/foreground-work';
import { InjectRedis } from '../../shared/redis/redis.module';
import { encodeTurnEvent, turnStreamKey, type TurnEvent } from '../../shared/streams/turn-events';
import { ABORTS_CHANNEL, LEASE_MS, LEASE_RENEW_MS, leaseKey, LeaseHolderWrites, renewLease, type TurnDraft } from '../../shared/streams/turn-handoff';
import { RuntimeSettings } from '../admin/runtime-settings.service';
import { ChatModels } from './chat-models.service';
import { TurnStreamRelay } from './turn-stream-relay.service';

interface Running {
  abort: AbortController;
  /** Set when the lease lapsed: the workflow owns the turn, this process writes nothing more. */
  lost: boolean;
  /** Stream id of the turn's `turn` event; the tokens' ids follow it. */
  announcedId: string;
}

export interface FirstStepRequest {
  maxTokens?: number;
  temperature?: number;
  /** Set when the turn opened its conversation: the context is then known without a query. */
  firstMessage?: string;
  /** When the user's message was stored: the history is read up to there. */
  upTo: Date;
}

/**
 * Makes the first provider call of a plain chat turn in the API process that accepted it, so the
 * first token does not wait for the workflow start, its first task and an activity dispatch.
 * The turn stays a workflow: its activity adopts the draft this leaves (recording reply and usage
 * once), or takes the turn over with a `reset` if this process dies (shared/streams/turn-handoff.ts).
 * Turns with tools or attached files, and the local model (one copy, loaded in the workers), always stream from the
 * activity.
 */
@Injectable()
export class FirstStepStreamer implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(FirstStepStreamer.name);
  private readonly holder = `api:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly running = new Map<string, Running>();
  private providers!: ReplyProviders;
  private writes!: LeaseHolderWrites;
  private aborts!: Redis;
  private renewer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    @InjectRedis() private readonly redis: Redis,
    private readonly orm: MikroORM,
    private readonly relay: TurnStreamRelay,
    private readonly settings: RuntimeSettings,
    private readonly models: ChatModels,
  ) {}

  onModuleInit() {
    const hosted = createProviders(this.config);
    hosted.delete('local');
    this.providers = createReplyProviders(hosted);
    this.writes = new LeaseHolderWrites(this.redis, this.holder);
    void this.writes.load().catch((err: unknown) => this.log.warn({ err }, 'could not load the lease scripts'));
    this.aborts = this.redis.duplicate({ connectionName: 'gateway-turn-aborts', maxRetriesPerRequest: null });
    this.aborts.on('message', (_channel: string, turnId: string) => this.running.get(turnId)?.abort.abort());
    void this.aborts.subscribe(ABORTS_CHANNEL).catch((err: unknown) => this.log.warn({ err }, 'turn abort subscription failed'));
    this.renewer = setInterval(() => void this.renewLeases(), LEASE_RENEW_MS).unref();
  }

  async onModuleDestroy() {
    if (this.renewer) clearInterval(this.renewer);
    // Hand every running turn to its workflow at once rather than after the lease lapses.
    for (const [turnId, run] of this.running) {
      run.lost = true;
      run.abort.abort();
      await this.writes.release(turnId).catch(() => undefined);
    }
    this.aborts.disconnect();
  }

  /**
   * Appends the turn's first event and, when the turn qualifies, takes its lease in the same round
   * trip and starts streaming its first step here. Returns false when the activity is to call the
   * provider. `turn.conversation` must be loaded.
   */
  async begin(turn: ChatTurn, request: FirstStepRequest & { tools?: string[]; grounded?: boolean }, announce: TurnEvent): Promise<boolean> {
    const candidate = this.candidateFor(turn, request);
    const key = turnStreamKey(turn.id);
    const multi = this.redis.multi().xadd(key, '*', ...encodeTurnEvent(announce)).expire(key, this.models.streamRetentionSeconds);
    if (candidate) multi.set(leaseKey(turn.id), this.holder, 'PX', LEASE_MS, 'NX');
    const replies = (await multi.exec()) ?? [];
    const [appendFailure] = replies[0] ?? [new Error('the turn event was not appended')];
    if (appendFailure) throw appendFailure;
    if (!candidate || replies[2]?.[1] !== 'OK') return false;
    const run: Running = { abort: new AbortController(), lost: false, announcedId: String(replies[0][1]) };
    this.running.set(turn.id, run);
    const relayFromRedis = this.relay.feedLocally(key);
    const foreground = foregroundWork.begin();
    void this.stream(turn, candidate, request, run).finally(() => {
      this.running.delete(turn.id);
      relayFromRedis();
      foreground();
    });
    return true;
  }

  /** The provider to call here, if the turn qualifies. */
  private candidateFor(turn: ChatTurn, request: { tools?: string[]; grounded?: boolean }): ReplyCandidate | undefined {
    if (!this.settings.current.chatStreamFromApi || request.tools?.length || request.grounded) return undefined;
    const candidate = this.hostedCandidates(turn.model)[0];
    // A chain starting at the local model (or a provider not configured here) stays in the workers.
    return candidate && candidate.model === this.models.chainHead(turn.model)?.id ? candidate : undefined;
  }

  /** This process's hosted candidates for a model; none when only the workers' local model serves it. */
  private hostedCandidates(model: string): ReplyCandidate[] {
    try {
      return this.providers.candidates(model);
    } catch (err) {
      if (err instanceof NoProviderForModelError || err instanceof UnknownModelError) return [];
      throw err;
    }
  }

  /** Stops a turn streaming in this process (the cancel route also tells the others and the workflow). */
  abort(turnId: string) {
    this.running.get(turnId)?.abort.abort();
  }

  private async stream(turn: ChatTurn, candidate: ReplyCandidate, request: FirstStepRequest, run: Running) {
    const key = turnStreamKey(turn.id);
    const maxTokens = request.maxTokens ?? this.config.CHAT_DEFAULT_MAX_TOKENS;
    let text = '';
    let inputTokens = 0;
    let outputTokens = 0;
    let finishReason = 'stop';
    // Token ids follow the `turn` event's: this process's clients get each token at once, and the
    // appends, pipelined on the connection the relay also reads history on, land in the same order.
    const [ms, seq] = run.announcedId.split('-');
    let n = Number(seq);
    let appended: Promise<unknown> = Promise.resolve();
    // A lost lease or a failed append (Redis away) gives the turn up at once: nothing more is sent
    // from here, the lease lapses and the workflow takes the turn over with a `reset`. Every append is
    // handled as it settles, so a Redis outage is never an unhandled rejection (which ends the process).
    const giveUp = () => {
      run.lost = true;
      run.abort.abort();
    };
    const token = (delta: string) => {
      if (run.lost) return;
      const id = `${ms}-${++n}`;
      this.relay.deliverLocal(key, id, { type: 'token', data: { text: delta } });
      const sent = this.writes.token(key, turn.id, id, delta).then(
        (stored) => {
          if (stored === null) giveUp();
        },
        (err: unknown) => {
          if (!run.lost) this.log.warn({ err, turnId: turn.id }, 'token append failed; the workflow takes the turn over');
          giveUp();
        },
      );
      appended = Promise.all([appended, sent]);
    };
    let draft: TurnDraft;
    try {
      const messages =
        request.firstMessage !== undefined
          ? firstTurnContext(turn.conversation.systemPrompt, request.firstMessage, candidate.contextTokens, maxTokens)
          : await firstStepContext(this.orm.em.fork(), turn.conversation, request.upTo, candidate.contextTokens, maxTokens);
      for await (const ev of capReply(candidate.stream({ messages, maxTokens, temperature: request.temperature }, run.abort.signal), maxTokens, messages)) {
        if (ev.type === 'text' && ev.delta) {
          text += ev.delta;
          token(ev.delta);
        } else if (ev.type === 'usage') {
          inputTokens = ev.inputTokens;
          outputTokens = ev.outputTokens;
        } else if (ev.type === 'finish') {
          finishReason = ev.reason;
        }
      }
      await appended;
      draft = { status: 'complete', candidateIndex: 0, text, inputTokens, outputTokens, finishReason };
    } catch (err) {
      await appended;
      if (run.lost) return;
      const problem = run.abort.signal.aborted ? undefined : this.providers.classify(err);
      // Postgres or Redis failed here, not the provider: no draft, the workflow takes the turn over.
      if (problem && isInternalFailure(problem)) {
        this.log.warn({ err, turnId: turn.id }, 'first step failed inside the gateway; the workflow takes the turn over');
        await this.writes.release(turn.id).catch(() => undefined);
        return;
      }
      draft = problem
        ? { status: 'failed', candidateIndex: 0, text, inputTokens, outputTokens, finishReason: 'error', problem }
        : { status: 'cancelled', candidateIndex: 0, text, inputTokens, outputTokens, finishReason: 'cancelled' };
    }
    if (run.lost) return;
    try {
      await this.writes.draft(turn.id, draft, this.models.streamRetentionSeconds);
    } catch (err) {
      // The lease then lapses and the activity calls the provider again (with a reset).
      this.log.warn({ err, turnId: turn.id }, 'could not hand the first step over');
    }
  }

  private async renewLeases() {
    const renewals = [...this.running].filter(([, run]) => !run.lost);
    await Promise.all(
      renewals.map(async ([turnId, run]) => {
        // A Redis hiccup is not a lost lease: the next renewal (within the 3 s) decides.
        if (!(await renewLease(this.redis, turnId, this.holder).catch(() => true))) {
          run.lost = true;
          run.abort.abort();
        }
      }),
    );
  }
}
