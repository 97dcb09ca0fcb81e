/**
 * Seconds to wait before retrying a rate-limited call, from whichever header the provider sends:
 * retry-after-ms (OpenAI), Retry-After (seconds or HTTP date), x-ratelimit-reset-* (OpenAI durations like
 * "6m0s", OpenRouter epoch milliseconds), anthropic-ratelimit-*-reset (RFC 3339).
 */
export function retryAfterSeconds(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.has('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ceil(ms / 1000);

  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    if (retryAfter.trim() !== '' && Number.isFinite(seconds)) return ceil(Math.max(0, seconds));
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return ceil(Math.max(0, (date - now) / 1000));
  }

  let latest: number | undefined;
  for (const [name, value] of headers) {
    if (!/^(x-ratelimit-reset|anthropic-ratelimit-.*-reset)/.test(name)) continue;
    const seconds = resetToSeconds(value, now);
    if (seconds !== undefined) latest = Math.max(latest ?? 0, seconds);
  }
  return latest;
}

function resetToSeconds(value: string, now: number): number | undefined {
  const v = value.trim();
  if (/^\d{12,}$/.test(v)) return ceil(Math.max(0, (Number(v) - now) / 1000)); // epoch milliseconds
  const duration = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$/.exec(v);
  if (duration && v !== '') {
    const [, h = '0', m = '0', s = '0', msPart = '0'] = duration;
    return ceil(Number(h) * 3600 + Number(m) * 60 + Number(s) + Number(msPart) / 1000);
  }
  if (/^\d+(\.\d+)?$/.test(v)) return ceil(Number(v)); // bare seconds
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : ceil(Math.max(0, (date - now) / 1000));
}

const ceil = (seconds: number) => Math.ceil(seconds);
