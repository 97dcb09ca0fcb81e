import { toolInputError } from '../tool-errors';

/** Now, in the requested IANA zone: the instant (UTC), the wall-clock time there and its offset. */
export function currentTime(input: { timezone?: string }, now = new Date()) {
  const timezone = input.timezone ?? 'UTC';
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'long',
      timeZoneName: 'longOffset',
    }).formatToParts(now);
  } catch {
    throw toolInputError(`unknown time zone "${timezone}" (use an IANA name such as Europe/Paris)`);
  }
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  const offset = p.timeZoneName === 'GMT' ? '+00:00' : p.timeZoneName.replace('GMT', '');
  return {
    timezone,
    utc: now.toISOString(),
    local: `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`,
    offset,
    weekday: p.weekday,
  };
}
