import { randomBytes, randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import { AppConfig } from '../../shared/config/app-config';
import { currentRequestId } from '../../shared/observability/request-context';
import { WebhookDelivery, WebhookEndpoint } from '../../shared/persistence/entities';
import { SecretBox } from '../../shared/security/secret-box';
import { SA } from '../../temporal/search-attributes';
import { TemporalClient } from '../../temporal/temporal-client.module';
import type { webhookDeliveryWorkflow } from '../../workflows';
import { WEBHOOK_DELIVERY_WORKFLOW, webhookDeliveryWorkflowId, type WebhookEventType } from '../../workflows/webhook-delivery/webhook-delivery.contract';
import type { Principal } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';
import type { CreatedWebhookDto, CreateWebhookDto, UpdateWebhookDto, WebhookDeliveryDto, WebhookDto, WebhookQueuedDto } from './dto/webhook.dto';

const MAX_ENDPOINTS_PER_USER = 20;
const RECENT_DELIVERIES = 50;

function toDto(e: WebhookEndpoint): WebhookDto {
  return { id: e.id, url: e.url, description: e.description, eventTypes: e.eventTypes, active: e.active, createdAt: e.createdAt, updatedAt: e.updatedAt };
}

function toDeliveryDto(d: WebhookDelivery): WebhookDeliveryDto {
  return { id: d.id, eventType: d.eventType, status: d.status, attempts: d.attempts, lastResponseCode: d.lastResponseCode, lastError: d.lastError, lastAttemptAt: d.lastAttemptAt, deliveredAt: d.deliveredAt, createdAt: d.createdAt };
}

/** http(s) only, no credentials in the URL; where it may connect is the SSRF-safe client's decision at delivery time. */
function validUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw Problems.validation([{ field: 'url', message: 'must be an absolute http or https URL' }]);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw Problems.validation([{ field: 'url', message: 'must be an http or https URL' }]);
  if (url.username || url.password) throw Problems.validation([{ field: 'url', message: 'must not carry credentials' }]);
  return url.href;
}

/** The caller's outbound webhook endpoints (anyone else's id is a 404) and the emit entry point for other modules. */
@Injectable()
export class WebhooksService {
  private readonly box: SecretBox;

  constructor(
    private readonly em: EntityManager,
    private readonly temporal: TemporalClient,
    config: AppConfig,
  ) {
    this.box = new SecretBox(config.DATA_ENCRYPTION_KEY);
  }

  async list(p: Principal): Promise<WebhookDto[]> {
    return (await this.em.find(WebhookEndpoint, { user: p.userId }, { orderBy: { createdAt: 'asc', id: 'asc' } })).map(toDto);
  }

  async create(p: Principal, dto: CreateWebhookDto): Promise<CreatedWebhookDto> {
    const url = validUrl(dto.url);
    if ((await this.em.count(WebhookEndpoint, { user: p.userId })) >= MAX_ENDPOINTS_PER_USER) {
      throw Problems.validation([{ field: 'url', message: `at most ${MAX_ENDPOINTS_PER_USER} endpoints per user` }]);
    }
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const e = this.em.create(WebhookEndpoint, {
      id: randomUUID(),
      user: p.userId,
      url,
      description: dto.description ?? null,
      eventTypes: dto.eventTypes,
      secretSealed: this.box.seal(secret),
      active: dto.active ?? true,
    });
    await this.em.flush();
    return { ...toDto(e), secret };
  }

  async get(p: Principal, id: string): Promise<WebhookDto> {
    return toDto(await this.owned(p, id));
  }

  async update(p: Principal, id: string, dto: UpdateWebhookDto): Promise<WebhookDto> {
    const e = await this.owned(p, id);
    if (dto.url !== undefined) e.url = validUrl(dto.url);
    if (dto.eventTypes !== undefined) e.eventTypes = dto.eventTypes;
    if (dto.description !== undefined) e.description = dto.description;
    if (dto.active !== undefined) e.active = dto.active;
    await this.em.flush();
    return toDto(e);
  }

  async remove(p: Principal, id: string): Promise<void> {
    const deleted = await this.em.nativeDelete(WebhookEndpoint, { id, user: p.userId });
    if (!deleted) throw Problems.notFound('Webhook');
  }

  async test(p: Principal, id: string): Promise<WebhookQueuedDto> {
    const e = await this.owned(p, id);
    return this.enqueue(e, 'webhook.test', { endpointId: e.id, message: 'This is a test event.' });
  }

  async deliveries(p: Principal, id: string): Promise<WebhookDeliveryDto[]> {
    const e = await this.owned(p, id);
    const rows = await this.em.find(WebhookDelivery, { endpoint: e.id }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: RECENT_DELIVERIES });
    return rows.map(toDeliveryDto);
  }

  /** An event to every active endpoint of the user subscribed to its type. */
  async emit(userId: string, type: WebhookEventType, data: Record<string, unknown>): Promise<WebhookQueuedDto[]> {
    const endpoints = await this.em.fork().find(WebhookEndpoint, { user: userId, active: true });
    const subscribed = endpoints.filter((e) => e.eventTypes.includes(type));
    return Promise.all(subscribed.map((e) => this.enqueue(e, type, data)));
  }

  /** Stores the delivery row, then starts its workflow (the row is what the workflow sends). */
  private async enqueue(e: WebhookEndpoint, type: WebhookEventType, data: Record<string, unknown>): Promise<WebhookQueuedDto> {
    const deliveryId = randomUUID();
    const payload = { type, timestamp: new Date().toISOString(), data };
    const em = this.em.fork();
    em.create(WebhookDelivery, { id: deliveryId, endpoint: e.id, eventType: type, payload });
    await em.flush();
    const workflowId = webhookDeliveryWorkflowId(deliveryId);
    const requestId = currentRequestId();
    await this.temporal.workflow.start<typeof webhookDeliveryWorkflow>(WEBHOOK_DELIVERY_WORKFLOW, {
      workflowId,
      taskQueue: this.temporal.queue('background'),
      args: [{ deliveryId, requestId }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: SA.kind, value: 'webhook' },
        { key: SA.userId, value: typeof e.user === 'string' ? e.user : e.user.id },
        ...(requestId ? [{ key: SA.requestId, value: requestId }] : []),
      ],
    });
    return { deliveryId, workflowId };
  }

  private async owned(p: Principal, id: string): Promise<WebhookEndpoint> {
    const e = await this.em.findOne(WebhookEndpoint, { id, user: p.userId });
    if (!e) throw Problems.notFound('Webhook');
    return e;
  }
}
