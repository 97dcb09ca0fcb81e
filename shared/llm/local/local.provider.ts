import { EventEmitter, on } from 'node:events';
import type { ChatHistoryItem, LlamaContextSequence } from 'node-llama-cpp';
import { ProviderError } from '../provider.error';
import type { ChatMessage, ChatProvider, ChatRequest, ProviderEvent, StreamOptions } from '../provider.types';
import { loadLocalModel, type LocalModelOptions } from './local-model.loader';

/**
 * The offline provider: a small GGUF model run in-process by node-llama-cpp, so the product answers
 * without any API key. It serves one model (the request's model name is not consulted) and no tools.
 */
export class LocalProvider implements ChatProvider {
  readonly name = 'local';

  constructor(
    private readonly model: LocalModelOptions,
    private readonly defaultMaxTokens = 512,
  ) {}

  async *stream(request: ChatRequest, { signal }: StreamOptions = {}): AsyncGenerator<ProviderEvent> {
    signal?.throwIfAborted();
    const { llama, context, chatWrapper, queue } = await loadLocalModel(this.model);
    const release = await queue.acquire(signal);
    let sequence: LlamaContextSequence;
    try {
      sequence = context.getSequence();
    } catch (err) {
      release();
      throw new ProviderError('upstream', `local model failed: ${(err as Error).message}`, { provider: this.name, cause: err });
    }
    const chat = new llama.LlamaChat({ contextSequence: sequence, chatWrapper });
    const meterBefore = sequence.tokenMeter.getState();
    // Our own controller also stops generation when the consumer leaves the loop early.
    const stop = new AbortController();
    const forwardAbort = () => stop.abort(signal?.reason);
    signal?.addEventListener('abort', forwardAbort, { once: true });
    const chunks = new EventEmitter();
    const generation = chat
      .generateResponse(toHistory(request.messages), {
        maxTokens: request.maxTokens ?? this.defaultMaxTokens,
        temperature: request.temperature,
        // A 135M model falls into loops ("la femme au roi, la femme au roi, …") without it.
        repeatPenalty: REPEAT_PENALTY,
        signal: stop.signal,
        onTextChunk: (text) => chunks.emit('text', text),
      })
      .finally(() => chunks.emit('end'));
    generation.catch(() => undefined); // handled after the loop; this only keeps an early rejection from going unhandled
    let delivered = '';
    try {
      for await (const [text] of on(chunks, 'text', { close: ['end'] }) as AsyncIterable<[string]>) {
        delivered += text;
        yield { type: 'text', delta: text };
      }
      const result = await generation;
      const used = sequence.tokenMeter.diff(meterBefore);
      yield { type: 'usage', inputTokens: used.usedInputTokens, outputTokens: used.usedOutputTokens };
      yield { type: 'finish', reason: result.metadata.stopReason === 'maxTokens' ? 'length' : 'stop' };
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (err instanceof ProviderError) throw err;
      const failure = new ProviderError('upstream', `local model failed: ${(err as Error).message}`, { provider: this.name, cause: err });
      failure.deliveredText = delivered;
      throw failure;
    } finally {
      signal?.removeEventListener('abort', forwardAbort);
      stop.abort();
      await generation.catch(() => undefined);
      chat.dispose({ disposeSequence: false });
      // The next in the queue gets the sequence once the context has reclaimed it.
      await sequence.dispose().finally(release);
    }
  }
}

/**
 * Used when the conversation sets no system prompt: without one the chat template adds its own generic
 * prompt, and the small default model then answers plain questions far less reliably (its bench:
 * "What is the capital of France?" went off into French phrases; with this prompt it says Paris).
 */
export const LOCAL_DEFAULT_SYSTEM_PROMPT = 'You are a helpful assistant. Answer briefly and accurately.';
const REPEAT_PENALTY = { penalty: 1.1, lastTokens: 64 };

function toHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const withSystem: ChatMessage[] = messages.some((m) => m.role === 'system') ? messages : [{ role: 'system', content: LOCAL_DEFAULT_SYSTEM_PROMPT }, ...messages];
  const history: ChatHistoryItem[] = withSystem.map((m): ChatHistoryItem => {
    if (m.role === 'system') return { type: 'system', text: m.content };
    if (m.role === 'assistant') return { type: 'model', response: [m.content] };
    if (m.role === 'tool') return { type: 'user', text: `Result of tool call ${m.toolCallId ?? ''}:\n${m.content}` };
    return { type: 'user', text: m.content };
  });
  // generateResponse continues the last model item: an empty one asks for a new answer.
  history.push({ type: 'model', response: [] });
  return history;
}
