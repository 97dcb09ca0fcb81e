import type { HttpToolConfig } from '../../workflows/tool-run/tool-run.contract';
import type { SafeHttpClient } from '../../shared/http/safe-http.client';
import { ToolCallFailure, toolInputError } from './tool-errors';

const URL_PARAM = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const SECRET_REF = /\{\{secret:([A-Za-z0-9_.-]+)\}\}/g;
const INPUT_REF = /\{\{input\.([A-Za-z_][A-Za-z0-9_]*)\}\}/g;
const WHOLE_INPUT_REF = /^\{\{input\.([A-Za-z_][A-Za-z0-9_]*)\}\}$/;

/** `{param}` placeholders filled from the input, each URL-encoded, so input can never change the host or path shape. */
export function fillUrlTemplate(template: string, input: Record<string, unknown>): string {
  return template.replace(URL_PARAM, (_, name: string) => {
    const value = input[name];
    if (value === undefined || value === null) throw toolInputError(`the URL needs input.${name}`);
    return encodeURIComponent(typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | boolean));
  });
}

/** A JSON template: a string that is exactly `{{input.x}}` becomes x's value (any type); embedded references become text. */
export function fillBodyTemplate(template: unknown, input: Record<string, unknown>): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE_INPUT_REF.exec(template);
    if (whole) return input[whole[1]] ?? null;
    return template.replace(INPUT_REF, (_, name: string) => {
      const v = input[name];
      return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean);
    });
  }
  if (Array.isArray(template)) return template.map((t) => fillBodyTemplate(t, input));
  if (template && typeof template === 'object') return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fillBodyTemplate(v, input)]));
  return template;
}

/** Names of the secrets the headers reference. */
export function secretNames(headers: Record<string, string>): string[] {
  return [...new Set(Object.values(headers).flatMap((v) => [...v.matchAll(SECRET_REF)].map((m) => m[1])))];
}

export async function runHttpTool(
  http: SafeHttpClient,
  config: HttpToolConfig,
  input: Record<string, unknown>,
  opts: { secret: (name: string) => Promise<string | undefined>; maxBytes: number; timeoutMs: number; signal: AbortSignal },
) {
  const secrets = new Map<string, string>();
  for (const name of secretNames(config.headers)) {
    const value = await opts.secret(name);
    if (value === undefined) throw new ToolCallFailure('ToolConfigError', `the tool references secret "${name}", which is not set`);
    secrets.set(name, value);
  }
  const headers = Object.fromEntries(Object.entries(config.headers).map(([k, v]) => [k, v.replace(SECRET_REF, (_, n: string) => secrets.get(n)!)]));
  const hasBody = config.bodyTemplate !== undefined && config.method !== 'GET' && config.method !== 'DELETE';
  if (hasBody && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const res = await http.request({
    method: config.method,
    url: fillUrlTemplate(config.urlTemplate, input),
    headers,
    body: hasBody ? JSON.stringify(fillBodyTemplate(config.bodyTemplate, input)) : undefined,
    maxBytes: opts.maxBytes,
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
  });
  if (res.status >= 400) {
    throw new ToolCallFailure('UpstreamError', `the tool's endpoint answered HTTP ${res.status}`, res.status >= 500 || res.status === 429, res.status);
  }
  const text = res.body.toString('utf8');
  let body: unknown = text;
  if (/json/i.test(String(res.headers['content-type'] ?? ''))) {
    try {
      body = JSON.parse(text);
    } catch {
      throw new ToolCallFailure('UpstreamError', "the tool's endpoint sent invalid JSON", false, res.status);
    }
  }
  return { status: res.status, body };
}
