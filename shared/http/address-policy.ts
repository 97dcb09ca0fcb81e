import ipaddr from 'ipaddr.js';

/**
 * Why an address may not be connected to, or undefined when it is public unicast.
 * Only ipaddr.js's "unicast" class passes: loopback, private, CGNAT, link-local (cloud metadata),
 * multicast, broadcast, unspecified, reserved, unique-local, and the IPv6 forms that embed an IPv4
 * address (mapped, NAT64, 6to4, Teredo) are all refused. IPv4-mapped IPv6 is judged as its IPv4.
 */
export function refusedAddressClass(address: string): string | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (!ipaddr.isValid(bare)) return 'not an IP address';
  let parsed = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === 'unicast' ? undefined : range;
}

/**
 * The host part of a URL as the network sees it: WHATWG URL parsing turns decimal, octal and hex
 * IPv4 spellings (`2130706433`, `0x7f.1`, `0177.0.0.1`) into dotted quads and IPv6 into its
 * compressed form; brackets are dropped. Throws on something that is not a URL host.
 */
export function normalizeHost(host: string): string {
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const hostname = new URL(`http://${bracketed}/`).hostname;
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}

/** True when the (normalised) host is an IP literal rather than a name to resolve. */
export function isIpLiteral(host: string): boolean {
  return ipaddr.isValid(host) && (host.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(host));
}
