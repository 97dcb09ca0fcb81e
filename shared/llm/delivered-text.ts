import { ProviderError } from './provider.error';
import type { ProviderEvent } from './provider.types';

/** Stamps a failing stream's ProviderError with the text it had already yielded, so a retry knows what was delivered. */
export async function* withDeliveredText(events: AsyncIterable<ProviderEvent>): AsyncGenerator<ProviderEvent> {
  let delivered = '';
  try {
    for await (const event of events) {
      if (event.type === 'text') delivered += event.delta;
      yield event;
    }
  } catch (err) {
    if (err instanceof ProviderError) err.deliveredText = delivered;
    throw err;
  }
}
