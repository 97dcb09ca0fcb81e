import { createHmac } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { ApplicationFailure } from '@temporalio/activity';
import { WebhookDelivery, WebhookDeliveryStatus } from '../../shared/persistence/entities';
import type { SecretBox } from '../../shared/security/secret-box';
import { WEBHOOK_REJECTED, type WebhookAttemptResult } from '../../workflows/webhook-delivery/webhook-delivery.contract';
import { DestinationNotAllowedError } from '../../shared/http/destination-policy';
import type { SafeHttpClient } from '../../shared/http/safe-http.client';

export const WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface WebhookActivityDeps {
  orm: MikroORM;
  secrets: SecretBox;
  http: SafeHttpClient;
}

/** Standard Webhooks v1 signature: base64 HMAC-SHA256 of `<id>.<timestamp>.<body>` keyed with the secret's bytes (base64 after `whsec_`). */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** A 4xx other than 408 (timeout) and 429 (rate limited) means the receiver refuses the event: no retry. */
export function isFinalStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** The SSRF policy refused the destination (a private address, a bad scheme): retrying will not change that. */
function isRefusal(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DestinationNotAllowedError || (e as { type?: unknown }).type === 'DestinationNotAllowed') return true;
  }
  return false;
}

export function createWebhookActivities(deps: WebhookActivityDeps) {
  return {
    /** One POST of the stored payload; every attempt is counted on the row. Throws to be retried; a final refusal is non-retryable. */
    async attemptWebhookDelivery({ deliveryId }: { deliveryId: string }): Promise<WebhookAttemptResult> {
      const em = deps.orm.em.fork();
      const delivery = await em.findOne(WebhookDelivery, deliveryId, { populate: ['endpoint'] });
      if (!delivery) throw ApplicationFailure.create({ type: WEBHOOK_REJECTED, message: 'the delivery is gone', nonRetryable: true });
      if (delivery.status === WebhookDeliveryStatus.Delivered) return { delivered: true, status: delivery.lastResponseCode ?? 200 };
      const endpoint = delivery.endpoint;
      if (!endpoint.active) throw ApplicationFailure.create({ type: WEBHOOK_REJECTED, message: 'the endpoint is disabled', nonRetryable: true });
      const body = JSON.stringify(delivery.payload);
      const timestamp = Math.floor(Date.now() / 1000);
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'gateway-webhooks/1',
        'webhook-id': delivery.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(deps.secrets.open(endpoint.secretSealed), delivery.id, timestamp, body),
      };
      let status: number | null = null;
      let error: string | null = null;
      let refused = false;
      try {
        status = (await deps.http.request({ method: 'POST', url: endpoint.url, headers, body, maxBytes: MAX_RESPONSE_BYTES, timeoutMs: WEBHOOK_TIMEOUT_MS })).status;
      } catch (err) {
        error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        refused = isRefusal(err);
      }
      const ok = status !== null && status >= 200 && status < 300;
      const now = new Date();
      await em.nativeUpdate(
        WebhookDelivery,
        { id: delivery.id },
        {
          attempts: delivery.attempts + 1,
          lastAttemptAt: now,
          lastResponseCode: status,
          lastError: ok ? null : (error ?? `HTTP ${status}`).slice(0, 1000),
          ...(ok ? { status: WebhookDeliveryStatus.Delivered, deliveredAt: now } : {}),
        },
      );
      if (ok) return { delivered: true, status: status! };
      if (refused) throw ApplicationFailure.create({ type: WEBHOOK_REJECTED, message: error ?? 'destination not allowed', nonRetryable: true });
      if (status !== null && isFinalStatus(status)) throw ApplicationFailure.create({ type: WEBHOOK_REJECTED, message: `the receiver answered ${status}`, nonRetryable: true });
      throw ApplicationFailure.create({ type: 'WebhookAttemptFailed', message: error ?? `the receiver answered ${status}` });
    },

    /** Retries are over (a final refusal or 3 days of failures). */
    async markWebhookFailed({ deliveryId, reason }: { deliveryId: string; reason: string }): Promise<void> {
      await deps.orm.em.fork().nativeUpdate(WebhookDelivery, { id: deliveryId, status: WebhookDeliveryStatus.Pending }, { status: WebhookDeliveryStatus.Failed, lastError: reason.slice(0, 1000) });
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
