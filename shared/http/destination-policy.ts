import { refusedAddressClass } from './address-policy';

/** A request to a destination this gateway will not reach: never retried, shown to the caller as such. */
export class DestinationNotAllowedError extends Error {
  readonly type = 'DestinationNotAllowed';
  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`destination not allowed: ${host} (${reason})`);
    this.name = 'DestinationNotAllowedError';
  }
}

/**
 * Which destinations outbound tool calls may connect to: public unicast addresses, plus the hosts an
 * administrator listed (TOOL_HTTP_ALLOW_HOSTS: `host` or `host:port`, comma-separated), which are
 * trusted whatever they resolve to.
 */
export class DestinationPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(allowHosts: readonly string[] = []) {
    this.allowed = new Set(allowHosts.map((h) => h.trim().toLowerCase()).filter(Boolean));
  }

  static fromEnv(value: string | undefined): DestinationPolicy {
    return new DestinationPolicy((value ?? '').split(','));
  }

  /** `host` is normalised (no brackets); an entry matches the host alone or host:port. */
  isAllowListed(host: string, port: number): boolean {
    const h = host.toLowerCase();
    const withPort = h.includes(':') ? `[${h}]:${port}` : `${h}:${port}`;
    return this.allowed.has(withPort) || this.allowed.has(h) || this.allowed.has(`[${h}]`);
  }

  /** Throws unless the resolved address may be connected to. */
  assertAddress(host: string, address: string): void {
    const refused = refusedAddressClass(address);
    if (refused) throw new DestinationNotAllowedError(host, host === address ? `${refused} address` : `resolves to ${refused} address ${address}`);
  }
}
