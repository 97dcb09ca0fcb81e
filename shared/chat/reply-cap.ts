import type { ChatMessage, ProviderEvent } from '../llm/provider.types';

/**
 * Stops reading a provider's reply at the output cap the turn's budget was reserved for: a provider
 * that ignores `max_tokens` must not be stored or billed past it. Each text delta counts as one token
 * (providers stream about one per chunk); the reported usage is clamped to the cap too. When the cap
 * cuts the stream, the provider's usage never arrives: the input is estimated (~4 characters a token,
 * as the reservation does) and the output is what was read. Returning early closes the upstream request.
 */
export async function* capReply(events: AsyncIterable<ProviderEvent>, maxTokens: number, prompt: readonly ChatMessage[]): AsyncGenerator<ProviderEvent> {
  let read = 0;
  for await (const ev of events) {
    if (ev.type === 'usage') {
      yield { ...ev, outputTokens: Math.min(ev.outputTokens, maxTokens) };
      continue;
    }
    yield ev;
    if (ev.type === 'text' && ev.delta && ++read >= maxTokens) {
      const promptChars = prompt.reduce((n, m) => n + m.content.length, 0);
      yield { type: 'usage', inputTokens: Math.ceil(promptChars / 4), outputTokens: read };
      yield { type: 'finish', reason: 'length' };
      return;
    }
  }
}
