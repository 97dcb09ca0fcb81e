import { retryAfterSeconds } from './retry-after';

const now = Date.parse('2026-01-01T00:00:00Z');
const wait = (headers: Record<string, string>) => retryAfterSeconds(new Headers(headers), now);

describe('retryAfterSeconds', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(wait({ 'retry-after': '7' })).toBe(7);
    expect(wait({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' })).toBe(30);
  });

  it('prefers retry-after-ms', () => {
    expect(wait({ 'retry-after-ms': '1500', 'retry-after': '9' })).toBe(2);
  });

  it('reads OpenAI durations, OpenRouter epoch milliseconds and Anthropic timestamps, taking the latest', () => {
    expect(wait({ 'x-ratelimit-reset-requests': '1m30s', 'x-ratelimit-reset-tokens': '6s' })).toBe(90);
    expect(wait({ 'x-ratelimit-reset-tokens': '250ms' })).toBe(1);
    expect(wait({ 'x-ratelimit-reset': String(now + 4_000) })).toBe(4);
    expect(wait({ 'anthropic-ratelimit-requests-reset': '2026-01-01T00:00:12Z' })).toBe(12);
  });

  it('says nothing when no header tells', () => {
    expect(wait({})).toBeUndefined();
    expect(wait({ 'retry-after': 'soon' })).toBeUndefined();
  });
});
