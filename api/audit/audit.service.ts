import { EntityManager } from '@mikro-orm/postgresql';
import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { appendAuditEvents } from '../../shared/audit/audit-chain';
import { auditDraft, AuditDraft } from '../../shared/audit/audit-draft';
import { foregroundWork } from '../../shared/observability/foreground-work';
import { currentRequestId } from '../../shared/observability/request-context';
import type { AuthenticatedRequest, Principal } from '../common/auth/principal';
import { API_PREFIX } from '../common/openapi';
import { requestAuditEvent } from './audit-capture';

const FLUSH_AFTER_MS = 150;
/** While this process streams tokens a batch waits for a pause, up to this long after its oldest event. */
const MAX_DEFER_MS = 1000;
const DEFER_STEP_MS = 25;
const FLUSH_AT = 100;
/** Beyond this (the database has been down a while) the oldest events are dropped, loudly. */
const MAX_QUEUED = 50_000;

export interface DomainAuditEvent {
  /** Who did it; omitted for the system. */
  actor?: Principal;
  /** Dotted verb, e.g. `user.role_changed`. */
  action: string;
  resource?: { type: string; id?: string | null };
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  outcome?: string;
  context?: Record<string, unknown>;
}

/**
 * The audit trail's writer in the API. Requests are captured by one Fastify onResponse hook;
 * services add domain events (before/after) with record(). Events queue in memory and are appended
 * in batches (every 150 ms or 100 events), off the request path; the queue drains on shutdown.
 */
@Injectable()
export class AuditService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly log = new Logger(AuditService.name);
  private queue: AuditDraft[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** When the oldest event still queued arrived. */
  private oldestAt: number | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly em: EntityManager,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit() {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    const prefix = `/${API_PREFIX}`;
    fastify.addHook('onResponse', (req, reply, done) => {
      const event = requestAuditEvent(req as AuthenticatedRequest, reply.statusCode, prefix);
      if (event) this.enqueue(auditDraft(event));
      done();
    });
    // Runs once in-flight requests have answered, before the ORM closes: their events are kept.
    fastify.addHook('onClose', async () => this.drain());
  }

  async beforeApplicationShutdown() {
    await this.drain();
  }

  /** A domain event (role change, decision…) from a service; the request id links it to its request. */
  record(event: DomainAuditEvent): void {
    const p = event.actor;
    this.enqueue(
      auditDraft({
        actorType: p ? (p.apiKeyId ? 'api-key' : 'user') : 'system',
        actorUserId: p?.userId,
        actorRole: p?.role,
        actorEmail: p?.email,
        sessionId: p?.sessionId,
        apiKeyId: p?.apiKeyId,
        action: event.action,
        resourceType: event.resource?.type,
        resourceId: event.resource?.id,
        outcome: event.outcome ?? 'success',
        before: event.before,
        after: event.after,
        context: event.context,
        requestId: currentRequestId(),
      }),
    );
  }

  /** Appends everything queued so far (also used by tests and shutdown). */
  async drain(): Promise<void> {
    for (let attempt = 0; this.queue.length && attempt < 5; attempt++) await this.flush();
    await this.flushing;
    if (this.queue.length) this.log.error({ events: this.queue.length }, 'audit events could not be stored before shutdown');
  }

  private enqueue(draft: AuditDraft) {
    this.queue.push(draft);
    if (this.queue.length > MAX_QUEUED) {
      const dropped = this.queue.splice(0, this.queue.length - MAX_QUEUED);
      this.log.error({ dropped: dropped.length }, 'audit queue overflow: oldest events dropped');
    }
    if (this.queue.length >= FLUSH_AT) void this.flush();
    else {
      this.oldestAt ??= Date.now();
      this.timer ??= setTimeout(() => this.flushWhenQuiet(), FLUSH_AFTER_MS).unref();
    }
  }

  /** A batch append is a few ms of CPU on this event loop: not in the middle of a token stream, if it can wait. */
  private flushWhenQuiet() {
    this.timer = undefined;
    if (foregroundWork.busy && this.oldestAt !== undefined && Date.now() - this.oldestAt < MAX_DEFER_MS) {
      this.timer = setTimeout(() => this.flushWhenQuiet(), DEFER_STEP_MS).unref();
      return;
    }
    void this.flush();
  }

  /** One batch at a time (appends are serialised anyway); a failed batch goes back to the front. */
  private flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.oldestAt = undefined;
    this.flushing = this.flushing.then(async () => {
      const batch = this.queue.splice(0, FLUSH_AT);
      if (!batch.length) return;
      try {
        await appendAuditEvents(this.em, batch);
      } catch (err) {
        this.log.error({ err, events: batch.length }, 'audit append failed; retrying');
        this.queue.unshift(...batch);
        this.timer ??= setTimeout(() => void this.flush(), 1000).unref();
        throw err;
      }
      if (this.queue.length) this.timer ??= setTimeout(() => void this.flush(), 0).unref();
    }).catch(() => undefined);
    return this.flushing;
  }
}
