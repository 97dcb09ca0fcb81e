import type { EntityManager } from '@mikro-orm/postgresql';

export interface BillingObjectRow {
  id: string;
  kind: string;
  stripeCustomerId: string;
  status: string;
  data: object;
  /** The event's `created` (webhooks); null for what our own API calls returned. */
  eventCreated: number | null;
}

/**
 * Writes the local copy of a Stripe object unless a newer event already did: events may arrive
 * late or out of order, and only one with a later `created` may overwrite an event-applied state.
 */
export async function upsertBillingObject(em: EntityManager, o: BillingObjectRow): Promise<boolean> {
  const rows = await em.execute<{ id: string }[]>(
    `insert into billing_objects (id, kind, stripe_customer_id, status, data, event_created, updated_at)
     values (?, ?, ?, ?, ?::jsonb, ?, now())
     on conflict (id) do update set stripe_customer_id = excluded.stripe_customer_id, status = excluded.status, data = excluded.data,
            event_created = coalesce(excluded.event_created, billing_objects.event_created), updated_at = now()
      where billing_objects.event_created is null or excluded.event_created is null
         or excluded.event_created > billing_objects.event_created
     returning id`,
    [o.id, o.kind, o.stripeCustomerId, o.status, JSON.stringify(o.data), o.eventCreated],
  );
  return rows.length > 0;
}
