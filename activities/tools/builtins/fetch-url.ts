import { convert } from 'html-to-text';
import type { SafeHttpClient } from '../../../shared/http/safe-http.client';
import { ToolCallFailure } from '../tool-errors';

const RAW_MAX_BYTES = 2 * 1024 * 1024;
const DEFAULT_MAX_CHARS = 20_000;

/** GETs a URL through the SSRF-safe client and returns its text; HTML goes through html-to-text. */
export async function fetchUrlAsText(http: SafeHttpClient, input: { url: string; maxChars?: number }, opts: { timeoutMs: number; signal?: AbortSignal }) {
  const res = await http.request({ method: 'GET', url: input.url, headers: { accept: 'text/html, text/plain;q=0.9, */*;q=0.1', 'user-agent': 'gateway-tools/1' }, maxBytes: RAW_MAX_BYTES, timeoutMs: opts.timeoutMs, signal: opts.signal });
  if (res.status >= 400) throw new ToolCallFailure('UpstreamError', `the page answered HTTP ${res.status}`, res.status >= 500 || res.status === 429, res.status);
  const contentType = String(res.headers['content-type'] ?? '');
  const raw = res.body.toString('utf8');
  const full = /html/i.test(contentType) || /^\s*</.test(raw) ? convert(raw, { wordwrap: false, selectors: [{ selector: 'a', options: { ignoreHref: true } }, { selector: 'img', format: 'skip' }] }) : raw;
  const maxChars = input.maxChars ?? DEFAULT_MAX_CHARS;
  return { url: input.url, finalUrl: res.finalUrl, status: res.status, contentType, text: full.slice(0, maxChars), truncated: full.length > maxChars };
}
