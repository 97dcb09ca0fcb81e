import { stack } from './stack';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent as-is (for malformed-JSON tests). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Another API than the stack's (a second process, or the defaults stack). */
  apiUrl?: string;
}

/** A thin fetch wrapper for e2e tests against the real API. */
export async function api<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const res = await fetch(`${opts.apiUrl ?? stack.apiUrl}${path}`, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

/** Asserts an RFC 9457 problem response with the given status. */
export function expectProblem(res: ApiResponse, status: number) {
  expect({ status: res.status, type: res.headers.get('content-type')?.split(';')[0] }).toEqual({ status, type: 'application/problem+json' });
  expect(res.body).toMatchObject({ status, title: expect.any(String) });
  return res.body as { status: number; title: string; detail?: string; errors?: { field: string; message: string }[] };
}
