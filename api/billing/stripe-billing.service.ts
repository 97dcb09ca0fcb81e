import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { createStripe } from '../../shared/billing/stripe-client';
import { AppConfig } from '../../shared/config/app-config';
import { currentRequestId } from '../../shared/observability/request-context';
import { BillingCustomer, BillingObject, User } from '../../shared/persistence/entities';
import type { Principal } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';
import { upsertBillingObject } from './billing-objects';
import { BillingCycleSchedule } from './billing-cycle.schedule';
import type { InvoiceDto, PaymentMethodDto, SubscriptionDto } from './dto/stripe.dto';

const LIVE = ['active', 'trialing', 'past_due', 'incomplete', 'unpaid'];

/**
 * Subscriptions, payment methods and invoices through Stripe. Every Stripe write carries an
 * idempotency key derived from our own ids (user, subscription, request), so a retry never doubles it.
 */
@Injectable()
export class StripeBillingService {
  private readonly stripe: Stripe | null;

  constructor(
    private readonly em: EntityManager,
    private readonly cycles: BillingCycleSchedule,
    config: AppConfig,
  ) {
    this.stripe = createStripe(config);
  }

  async subscribe(principal: Principal, priceId: string): Promise<SubscriptionDto> {
    const customer = await this.customerOf(principal);
    if (await this.liveSubscription(customer)) throw Problems.conflict('You already have a subscription; change its plan with PATCH /billing/subscription');
    const sub = await this.client().subscriptions.create(
      { customer, items: [{ price: priceId }], metadata: { userId: principal.userId } },
      { idempotencyKey: `subscription-create:${principal.userId}:${requestKey()}` },
    );
    await this.save(sub, customer);
    return subscriptionDto(sub);
  }

  async changePlan(principal: Principal, priceId: string): Promise<SubscriptionDto> {
    const customer = await this.customerOf(principal);
    const local = await this.liveSubscription(customer);
    if (!local) throw Problems.notFound('Subscription');
    const itemId = (local.data as unknown as Stripe.Subscription).items?.data?.[0]?.id;
    const sub = await this.client().subscriptions.update(
      local.id,
      { items: [itemId ? { id: itemId, price: priceId } : { price: priceId }], proration_behavior: 'create_prorations' },
      { idempotencyKey: `subscription-update:${local.id}:${priceId}:${requestKey()}` },
    );
    await this.save(sub, customer);
    return subscriptionDto(sub);
  }

  async cancel(principal: Principal): Promise<SubscriptionDto> {
    const customer = await this.customerOf(principal);
    const local = await this.liveSubscription(customer);
    if (!local) throw Problems.notFound('Subscription');
    const sub = await this.client().subscriptions.cancel(local.id, {}, { idempotencyKey: `subscription-cancel:${local.id}` });
    // stripe-mock answers with a fixture; the cancellation is what we asked for.
    await this.save({ ...sub, id: local.id, status: 'canceled' }, customer);
    return subscriptionDto({ ...sub, id: local.id, status: 'canceled' });
  }

  async addPaymentMethod(principal: Principal, paymentMethodId: string, makeDefault: boolean): Promise<PaymentMethodDto> {
    const customer = await this.customerOf(principal);
    const pm = await this.client().paymentMethods.attach(paymentMethodId, { customer }, { idempotencyKey: `pm-attach:${customer}:${paymentMethodId}` });
    if (makeDefault) {
      await this.client().customers.update(customer, { invoice_settings: { default_payment_method: pm.id } }, { idempotencyKey: `pm-default:${customer}:${pm.id}` });
    }
    return { id: pm.id, type: pm.type, brand: pm.card?.brand ?? null, last4: pm.card?.last4 ?? null, default: makeDefault };
  }

  async invoices(principal: Principal, limit: number): Promise<InvoiceDto[]> {
    const customer = await this.customerOf(principal);
    const list = await this.client().invoices.list({ customer, limit });
    for (const inv of list.data) {
      await upsertBillingObject(this.em, { id: inv.id!, kind: 'invoice', stripeCustomerId: customer, status: inv.status ?? 'unknown', data: inv, eventCreated: null });
    }
    return list.data.map(invoiceDto);
  }

  /** Only an invoice we know belongs to the caller's customer; anything else is 404. */
  async invoice(principal: Principal, id: string): Promise<InvoiceDto> {
    const customer = await this.existingCustomer(principal);
    const known = customer ? await this.em.findOne(BillingObject, { id, kind: 'invoice', stripeCustomerId: customer }) : null;
    if (!known) throw Problems.notFound('Invoice');
    return invoiceDto({ ...(await this.client().invoices.retrieve(id)), id });
  }

  /**
   * The caller's Stripe customer, created on the first billing call (once, even when calls race),
   * with its billing-cycle schedule (ensured again on later calls if that first attempt missed).
   */
  async customerOf(principal: Principal): Promise<string> {
    const customer = (await this.existingCustomer(principal)) ?? (await this.createCustomer(principal));
    await this.cycles.ensure(customer);
    return customer;
  }

  private async createCustomer(principal: Principal): Promise<string> {
    const user = await this.em.findOneOrFail(User, principal.userId);
    const created = await this.client().customers.create({ email: user.email, metadata: { userId: user.id } }, { idempotencyKey: `customer:${user.id}` });
    await this.em.execute('insert into billing_customers (user_id, stripe_customer_id, created_at) values (?, ?, now()) on conflict do nothing', [user.id, created.id]);
    return (await this.existingCustomer(principal))!;
  }

  private async existingCustomer(principal: Principal): Promise<string | undefined> {
    const row = await this.em.findOne(BillingCustomer, { userId: principal.userId }, { refresh: true });
    return row?.stripeCustomerId;
  }

  private liveSubscription(customer: string) {
    return this.em.findOne(BillingObject, { kind: 'subscription', stripeCustomerId: customer, status: { $in: LIVE } }, { orderBy: { updatedAt: 'desc' }, refresh: true });
  }

  private async save(sub: Stripe.Subscription, customer: string) {
    await upsertBillingObject(this.em, { id: sub.id, kind: 'subscription', stripeCustomerId: customer, status: sub.status, data: sub, eventCreated: null });
  }

  private client(): Stripe {
    if (!this.stripe) throw Problems.unavailable('Billing is not configured (STRIPE_SECRET_KEY)');
    return this.stripe;
  }
}

function requestKey(): string {
  return currentRequestId() ?? crypto.randomUUID();
}

function subscriptionDto(s: Stripe.Subscription): SubscriptionDto {
  return { id: s.id, status: s.status, priceId: s.items?.data?.[0]?.price?.id ?? null, cancelAtPeriodEnd: s.cancel_at_period_end ?? false };
}

function invoiceDto(i: Stripe.Invoice): InvoiceDto {
  return { id: i.id!, status: i.status ?? null, currency: i.currency, amountDue: i.amount_due, amountPaid: i.amount_paid, total: i.total, created: new Date(i.created * 1000).toISOString(), hostedInvoiceUrl: i.hosted_invoice_url ?? null };
}
