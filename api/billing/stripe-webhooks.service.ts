import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { STRIPE_WEBHOOK_TOLERANCE_S } from '../../shared/billing/stripe-client';
import { AppConfig } from '../../shared/config/app-config';
import { Problems } from '../common/problem/problem.exception';
import { upsertBillingObject } from './billing-objects';

/** Inbound Stripe events: signature and timestamp checked, each event applied once, in `created` order per object. */
@Injectable()
export class StripeWebhooksService {
  private readonly verifier = Stripe.webhooks;

  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfig,
  ) {}

  async receive(rawBody: Buffer | undefined, signature: string | undefined): Promise<{ received: true; duplicate: boolean }> {
    if (!this.config.STRIPE_WEBHOOK_SECRET) throw Problems.unavailable('Stripe webhooks are not configured');
    if (!rawBody || !signature) throw Problems.badRequest('A signed Stripe event is required (Stripe-Signature header and body)');
    // The SDK refuses stale timestamps but accepts any future one: bound both sides here.
    const signedAt = Number(/(?:^|,)t=(\d+)/.exec(signature)?.[1]);
    if (!Number.isFinite(signedAt) || Math.abs(Date.now() / 1000 - signedAt) > STRIPE_WEBHOOK_TOLERANCE_S) {
      throw Problems.badRequest(`Stripe signature timestamp is missing or more than ${STRIPE_WEBHOOK_TOLERANCE_S} s from now`);
    }
    let event: Stripe.Event;
    try {
      // With a tolerance the SDK also refuses stale timestamps (without one it skips the check).
      event = this.verifier.constructEvent(rawBody, signature, this.config.STRIPE_WEBHOOK_SECRET, STRIPE_WEBHOOK_TOLERANCE_S);
    } catch (err) {
      throw Problems.badRequest(`Stripe signature verification failed: ${(err as Error).message}`);
    }
    if (Math.abs(event.created - Date.now() / 1000) > 90 * 86_400) throw Problems.badRequest('Stripe event is too old');
    const duplicate = await this.em.transactional(async (tx) => {
      const fresh = await tx.execute<{ id: string }[]>(
        'insert into stripe_processed_events (id, type, processed_at) values (?, ?, now()) on conflict do nothing returning id',
        [event.id, event.type],
      );
      if (!fresh.length) return true;
      await this.apply(tx, event);
      return false;
    });
    return { received: true, duplicate };
  }

  private async apply(tx: EntityManager, event: Stripe.Event): Promise<void> {
    const object = event.data.object as unknown as { object: string; id: string; customer?: string | { id: string }; status?: string };
    if (object.object !== 'subscription' && object.object !== 'invoice') return;
    const customer = typeof object.customer === 'string' ? object.customer : object.customer?.id;
    if (!customer) return;
    await upsertBillingObject(tx, { id: object.id, kind: object.object, stripeCustomerId: customer, status: object.status ?? 'unknown', data: object, eventCreated: event.created });
  }
}
