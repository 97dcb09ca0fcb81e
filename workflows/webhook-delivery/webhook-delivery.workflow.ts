import { ActivityFailure, ApplicationFailure, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { WebhookActivities } from '../../activities/webhooks/webhook.activities';
import { SA } from '../../temporal/search-attributes';
import { WEBHOOK_REJECTED, type WebhookDeliveryInput, type WebhookDeliveryResult } from './webhook-delivery.contract';

// Standard Webhooks: each attempt 10 s (plus slack for the database writes), exponential backoff, retried for up to 3 days; a 4xx other than 408/429 is final.
const { attemptWebhookDelivery } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '20 seconds',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 hour', nonRetryableErrorTypes: [WEBHOOK_REJECTED] },
});

const { markWebhookFailed } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
  try {
    await attemptWebhookDelivery({ deliveryId: input.deliveryId });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const cause = err.cause;
    const reason = cause instanceof ApplicationFailure ? cause.message : (cause?.message ?? err.message);
    await markWebhookFailed({ deliveryId: input.deliveryId, reason });
    upsertSearchAttributes([{ key: SA.status, value: 'failed' }]);
    return { deliveryId: input.deliveryId, status: 'failed' };
  }
  upsertSearchAttributes([{ key: SA.status, value: 'delivered' }]);
  return { deliveryId: input.deliveryId, status: 'delivered' };
}
