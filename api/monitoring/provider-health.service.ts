import { stat } from 'node:fs/promises';
import { Injectable } from '@nestjs/common';
import { configuredProviderNames } from '../../shared/llm/provider.factory';
import { AppConfig } from '../../shared/config/app-config';
import type { ComponentHealthDto } from './dto/health.dto';

const PROBE_TIMEOUT_MS = 3000;

/**
 * Each configured LLM provider: the local model is up when its file is in place; a hosted one when
 * its models endpoint answers (any answer but 401/403 and 5xx means reachable with a valid key).
 */
@Injectable()
export class ProviderHealthService {
  constructor(private readonly config: AppConfig) {}

  async check(): Promise<ComponentHealthDto[]> {
    const names = configuredProviderNames(this.config);
    const c = this.config;
    const checks: Promise<ComponentHealthDto>[] = [this.local()];
    if (names.has('openai')) {
      checks.push(this.http('openai', `${(c.OPENAI_COMPATIBLE_BASE_URL ?? 'https://api.openai.com/v1').replace(/\/$/, '')}/models`, c.OPENAI_API_KEY ? { authorization: `Bearer ${c.OPENAI_API_KEY}` } : {}));
    }
    if (names.has('openrouter')) {
      checks.push(this.http('openrouter', `${c.OPENROUTER_BASE_URL.replace(/\/$/, '')}/models`, { authorization: `Bearer ${c.OPENROUTER_API_KEY}` }));
    }
    if (names.has('anthropic')) {
      checks.push(this.http('anthropic', `${c.ANTHROPIC_BASE_URL.replace(/\/$/, '')}/v1/models`, { 'x-api-key': c.ANTHROPIC_API_KEY!, 'anthropic-version': '2023-06-01' }));
    }
    return Promise.all(checks);
  }

  private async local(): Promise<ComponentHealthDto> {
    const started = performance.now();
    try {
      const info = await stat(this.config.LOCAL_MODEL_PATH);
      return { name: 'local', status: info.size > 0 ? 'up' : 'down', latencyMs: ms(started) };
    } catch {
      return { name: 'local', status: 'down', latencyMs: ms(started), error: `model file missing: ${this.config.LOCAL_MODEL_PATH} (./dev up installs it)` };
    }
  }

  private async http(name: string, url: string, headers: Record<string, string>): Promise<ComponentHealthDto> {
    const started = performance.now();
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await res.body?.cancel();
      if (res.status === 401 || res.status === 403) return { name, status: 'down', latencyMs: ms(started), error: `credentials rejected (${res.status})` };
      if (res.status >= 500) return { name, status: 'down', latencyMs: ms(started), error: `upstream answered ${res.status}` };
      return { name, status: 'up', latencyMs: ms(started) };
    } catch (err) {
      return { name, status: 'down', latencyMs: ms(started), error: (err as Error).message };
    }
  }
}

function ms(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
