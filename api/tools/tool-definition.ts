import type { FieldError } from '../common/problem/problem.exception';
import type { HttpToolConfigDto } from './dto/tool.dto';

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
const SECRET_REF = /\{\{secret:([^}]*)\}\}/g;
export const SECRET_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Problems with an HTTP tool's request configuration, found at register time. The destination itself is
 * judged when the call connects (names can resolve anywhere), not here.
 */
export function httpConfigProblems(http: HttpToolConfigDto): FieldError[] {
  const errors: FieldError[] = [];
  let url: URL | undefined;
  try {
    url = new URL(http.urlTemplate.replace(PLACEHOLDER, 'x'));
  } catch {
    errors.push({ field: 'http.urlTemplate', message: 'must be an absolute URL (placeholders as {name})' });
  }
  if (url && url.protocol !== 'http:' && url.protocol !== 'https:') errors.push({ field: 'http.urlTemplate', message: 'must use http or https' });
  if (url && (url.username || url.password)) errors.push({ field: 'http.urlTemplate', message: 'must not carry credentials; use a header with a {{secret:NAME}}' });
  if (/\{[A-Za-z_][A-Za-z0-9_]*\}/.test(http.urlTemplate.split('/').slice(0, 3).join('/'))) {
    errors.push({ field: 'http.urlTemplate', message: 'placeholders may not be in the scheme or host' });
  }
  for (const [name, value] of Object.entries(http.headers ?? {})) {
    if (!HEADER_NAME.test(name)) errors.push({ field: `http.headers.${name}`, message: 'is not a valid header name' });
    if (typeof value !== 'string' || value.length > 4096 || /[\r\n\0]/.test(value)) {
      errors.push({ field: `http.headers.${name}`, message: 'must be a single-line string of at most 4096 characters' });
      continue;
    }
    for (const m of value.matchAll(SECRET_REF)) {
      if (!SECRET_NAME.test(m[1])) errors.push({ field: `http.headers.${name}`, message: `"${m[1]}" is not a valid secret name` });
    }
  }
  if (http.bodyTemplate !== undefined && JSON.stringify(http.bodyTemplate).length > 65_536) errors.push({ field: 'http.bodyTemplate', message: 'must be at most 64 KiB of JSON' });
  return errors;
}
