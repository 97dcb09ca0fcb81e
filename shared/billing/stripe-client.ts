import Stripe from 'stripe';
import type { AppConfig } from '../config/app-config';

/** Seconds a webhook's signed timestamp may differ from our clock (past or future). */
export const STRIPE_WEBHOOK_TOLERANCE_S = 300;

/** The official SDK pointed at STRIPE_API_BASE (stripe-mock locally); null when no key is configured. */
export function createStripe(config: Pick<AppConfig, 'STRIPE_API_BASE' | 'STRIPE_SECRET_KEY'>): Stripe | null {
  if (!config.STRIPE_SECRET_KEY) return null;
  const url = new URL(config.STRIPE_API_BASE);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(config.STRIPE_SECRET_KEY, {
    host: url.hostname,
    port: Number(url.port || (protocol === 'http' ? 80 : 443)),
    protocol,
    maxNetworkRetries: 2,
    timeout: 20_000,
  });
}
