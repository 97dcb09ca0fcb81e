import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import { isIpLiteral, normalizeHost } from './address-policy';
import { DestinationNotAllowedError, DestinationPolicy } from './destination-policy';

export const MAX_REDIRECTS = 5;

export interface SafeRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** The response body is read up to this many bytes; more is a ResponseTooLargeError. */
  maxBytes: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface SafeResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  finalUrl: string;
  redirects: number;
}

export class ResponseTooLargeError extends Error {
  readonly type = 'ResultTooLarge';
  constructor(readonly maxBytes: number) {
    super(`the response is larger than ${maxBytes} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

export class TooManyRedirectsError extends Error {
  readonly type = 'UpstreamError';
  constructor() {
    super(`more than ${MAX_REDIRECTS} redirects`);
    this.name = 'TooManyRedirectsError';
  }
}

type ConnectCallback = (err: Error | null, stream: Duplex) => void;

/** A DNS lookup that refuses the connection when any address the name resolves to is not allowed. */
function guardedLookup(policy: DestinationPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      try {
        for (const a of addresses) policy.assertAddress(hostname, a.address);
      } catch (refusal) {
        return callback(refusal as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/**
 * The check at connect time, on every connection the agent opens (so on every redirect hop): IP
 * literals are judged directly (no DNS involved), names through the guarded lookup, so the address
 * checked is the address connected to (no DNS-rebinding window).
 */
function checkedConnection(policy: DestinationPolicy, lookup: LookupFunction, options: http.ClientRequestArgs, cb: ConnectCallback, connect: (o: http.ClientRequestArgs, cb: ConnectCallback) => Duplex | null | undefined) {
  const host = normalizeHost(String(options.host ?? options.hostname ?? 'localhost'));
  const port = Number(options.port);
  if (policy.isAllowListed(host, port)) return connect(options, cb);
  if (isIpLiteral(host)) {
    try {
      policy.assertAddress(host, host);
    } catch (refusal) {
      cb(refusal as Error, undefined as never);
      return undefined;
    }
    return connect(options, cb);
  }
  return connect({ ...options, lookup } as http.ClientRequestArgs, cb);
}

class GuardedHttpAgent extends http.Agent {
  private readonly lookup: LookupFunction;
  constructor(private readonly policy: DestinationPolicy) {
    super({ keepAlive: false });
    this.lookup = guardedLookup(policy);
  }
  override createConnection(options: http.ClientRequestArgs, cb: ConnectCallback) {
    return checkedConnection(this.policy, this.lookup, options, cb, (o, c) => super.createConnection(o, c));
  }
}

class GuardedHttpsAgent extends https.Agent {
  private readonly lookup: LookupFunction;
  constructor(private readonly policy: DestinationPolicy) {
    super({ keepAlive: false });
    this.lookup = guardedLookup(policy);
  }
  override createConnection(options: http.ClientRequestArgs, cb: ConnectCallback) {
    return checkedConnection(this.policy, this.lookup, options, cb, (o, c) => super.createConnection(o, c));
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Headers kept when a redirect leaves the origin: anything else may carry a credential.
const CROSS_ORIGIN_SAFE = new Set(['accept', 'accept-language', 'user-agent']);

/**
 * Outbound HTTP for tools. Every connection is checked against the DestinationPolicy at connect time;
 * redirects are followed by hand (at most MAX_REDIRECTS), each hop a new checked connection; bodies
 * are read up to a byte cap.
 */
export class SafeHttpClient {
  private readonly httpAgent: GuardedHttpAgent;
  private readonly httpsAgent: GuardedHttpsAgent;

  constructor(readonly policy: DestinationPolicy) {
    this.httpAgent = new GuardedHttpAgent(policy);
    this.httpsAgent = new GuardedHttpsAgent(policy);
  }

  async request(req: SafeRequest): Promise<SafeResponse> {
    const signal = req.signal ? AbortSignal.any([req.signal, AbortSignal.timeout(req.timeoutMs)]) : AbortSignal.timeout(req.timeoutMs);
    let url = parseTarget(req.url);
    let method = req.method.toUpperCase();
    let body = req.body;
    let headers: Record<string, string> = { ...req.headers };
    for (let hop = 0; ; hop++) {
      const res = await this.send(url, method, headers, body, signal);
      const location = res.headers.location;
      if (!REDIRECTS.has(res.statusCode ?? 0) || !location) {
        return { status: res.statusCode ?? 0, headers: res.headers, body: await readCapped(res, req.maxBytes), finalUrl: url.href, redirects: hop };
      }
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new TooManyRedirectsError();
      const next = parseTarget(location, url);
      if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      if (next.origin !== url.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => CROSS_ORIGIN_SAFE.has(k.toLowerCase())));
      url = next;
    }
  }

  private send(url: URL, method: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal): Promise<http.IncomingMessage> {
    const secure = url.protocol === 'https:';
    const options: https.RequestOptions = {
      method,
      host: normalizeHost(url.hostname),
      port: url.port ? Number(url.port) : secure ? 443 : 80,
      path: `${url.pathname}${url.search}`,
      headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
      agent: secure ? this.httpsAgent : this.httpAgent,
      servername: secure && !isIpLiteral(normalizeHost(url.hostname)) ? url.hostname : undefined,
      signal,
    };
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(options, resolve);
      request.on('error', reject);
      request.end(body);
    });
  }
}

/** http(s) URLs only; the host is normalised by WHATWG parsing (numeric IPv4 forms become dotted quads). */
function parseTarget(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw new DestinationNotAllowedError(raw.slice(0, 200), 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new DestinationNotAllowedError(url.protocol, 'only http and https are allowed');
  if (url.username || url.password) throw new DestinationNotAllowedError(url.hostname, 'credentials in the URL are not allowed');
  return url;
}

async function readCapped(res: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      res.destroy();
      throw new ResponseTooLargeError(maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
