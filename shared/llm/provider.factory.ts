import type { AppConfig } from '../config/app-config';
import type { ProviderName } from '../domain/model-registry';
import { AnthropicProvider } from './anthropic.provider';
import { LocalProvider } from './local/local.provider';
import { OpenAiCompatibleProvider } from './openai-compatible.provider';
import type { ChatProvider } from './provider.types';

export type ProviderConfig = Pick<
  AppConfig,
  | 'OPENAI_COMPATIBLE_BASE_URL'
  | 'OPENAI_API_KEY'
  | 'OPENROUTER_API_KEY'
  | 'OPENROUTER_BASE_URL'
  | 'ANTHROPIC_API_KEY'
  | 'ANTHROPIC_BASE_URL'
  | 'LOCAL_MODEL_PATH'
  | 'LOCAL_MODEL_THREADS'
  | 'LOCAL_MODEL_PARALLEL'
  | 'LOCAL_MODEL_MAX_QUEUED'
  | 'LOCAL_MODEL_MAX_QUEUE_WAIT_SECONDS'
  | 'PUBLIC_URL'
>;

/**
 * The providers this process can reach: each hosted one only when configured, the local model always
 * (it loads lazily, so an unused local provider costs nothing).
 */
export function createProviders(config: ProviderConfig): Map<ProviderName, ChatProvider> {
  const providers = new Map<ProviderName, ChatProvider>();
  const names = configuredProviderNames(config);
  if (names.has('openai')) {
    providers.set(
      'openai',
      new OpenAiCompatibleProvider({
        name: 'openai',
        baseUrl: config.OPENAI_COMPATIBLE_BASE_URL ?? 'https://api.openai.com/v1',
        apiKey: config.OPENAI_API_KEY,
      }),
    );
  }
  if (names.has('openrouter')) {
    providers.set(
      'openrouter',
      new OpenAiCompatibleProvider({
        name: 'openrouter',
        baseUrl: config.OPENROUTER_BASE_URL,
        apiKey: config.OPENROUTER_API_KEY,
        // OpenRouter's app attribution headers.
        extraHeaders: { 'HTTP-Referer': config.PUBLIC_URL, 'X-Title': 'Gateway API' },
      }),
    );
  }
  if (names.has('anthropic')) {
    providers.set('anthropic', new AnthropicProvider({ baseUrl: config.ANTHROPIC_BASE_URL, apiKey: config.ANTHROPIC_API_KEY! }));
  }
  providers.set(
    'local',
    new LocalProvider({
      modelPath: config.LOCAL_MODEL_PATH,
      threads: config.LOCAL_MODEL_THREADS,
      parallel: config.LOCAL_MODEL_PARALLEL,
      maxQueued: config.LOCAL_MODEL_MAX_QUEUED,
      maxQueueWaitMs: config.LOCAL_MODEL_MAX_QUEUE_WAIT_SECONDS * 1000,
    }),
  );
  return providers;
}

/** Which providers a configuration enables, without building them (the API validates model ids with it). */
export function configuredProviderNames(
  config: Pick<ProviderConfig, 'OPENAI_API_KEY' | 'OPENAI_COMPATIBLE_BASE_URL' | 'OPENROUTER_API_KEY' | 'ANTHROPIC_API_KEY'>,
): Set<ProviderName> {
  const names = new Set<ProviderName>(['local']);
  if (config.OPENAI_API_KEY || config.OPENAI_COMPATIBLE_BASE_URL) names.add('openai');
  if (config.OPENROUTER_API_KEY) names.add('openrouter');
  if (config.ANTHROPIC_API_KEY) names.add('anthropic');
  return names;
}
