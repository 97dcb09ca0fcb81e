import type { ProviderEvent } from '../llm/provider.types';
import { capReply } from './reply-cap';

async function* provider(words: number, onClose: () => void): AsyncGenerator<ProviderEvent> {
  try {
    for (let i = 0; i < words; i++) yield { type: 'text', delta: `${i ? ' ' : ''}w${i}` };
    yield { type: 'finish', reason: 'stop' };
    yield { type: 'usage', inputTokens: 10, outputTokens: words };
  } finally {
    onClose();
  }
}

async function collect(events: AsyncIterable<ProviderEvent>) {
  const out: ProviderEvent[] = [];
  for await (const ev of events) out.push(ev);
  return out;
}

describe('capReply', () => {
  it('stops reading a provider that ignores max_tokens at the cap, and bills the cap', async () => {
    let closed = false;
    const events = await collect(capReply(provider(200, () => (closed = true)), 50, [{ role: 'user', content: 'x'.repeat(40) }]));
    const text = events.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');
    expect(text.split(' ')).toHaveLength(50);
    expect(events.filter((e) => e.type === 'usage')).toEqual([{ type: 'usage', inputTokens: 10, outputTokens: 50 }]);
    expect(events[events.length - 1]).toEqual({ type: 'finish', reason: 'length' });
    // The upstream iterator was closed (the request aborted), not drained.
    expect(closed).toBe(true);
  });

  it('passes a reply within the cap through unchanged', async () => {
    const events = await collect(capReply(provider(5, () => undefined), 50, []));
    expect(events.filter((e) => e.type === 'text')).toHaveLength(5);
    expect(events.slice(-2)).toEqual([{ type: 'finish', reason: 'stop' }, { type: 'usage', inputTokens: 10, outputTokens: 5 }]);
  });

  it('clamps reported usage above the cap', async () => {
    async function* liar(): AsyncGenerator<ProviderEvent> {
      yield { type: 'text', delta: 'hi' };
      yield { type: 'usage', inputTokens: 3, outputTokens: 900 };
    }
    expect((await collect(capReply(liar(), 50, []))).find((e) => e.type === 'usage')).toEqual({ type: 'usage', inputTokens: 3, outputTokens: 50 });
  });
});
