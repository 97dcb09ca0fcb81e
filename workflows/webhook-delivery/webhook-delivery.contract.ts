/** Contract of the webhookDelivery workflow: one stored event (a webhook_deliveries row) POSTed to its endpoint until accepted. */

export const WEBHOOK_EVENT_TYPES = ['webhook.test', 'budget.threshold_crossed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface WebhookDeliveryInput {
  deliveryId: string;
  requestId?: string;
}

export interface WebhookAttemptResult {
  /** 2xx: accepted. */
  delivered: boolean;
  status: number;
}

export interface WebhookDeliveryResult {
  deliveryId: string;
  status: 'delivered' | 'failed';
}

/** Thrown (non-retryable) on a 4xx other than 408/429, or when the endpoint is gone or inactive. */
export const WEBHOOK_REJECTED = 'WebhookRejected';

export const WEBHOOK_DELIVERY_WORKFLOW = 'webhookDeliveryWorkflow';

export function webhookDeliveryWorkflowId(deliveryId: string): string {
  return `webhook:${deliveryId}`;
}
