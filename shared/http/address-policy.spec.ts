import { isIpLiteral, normalizeHost, refusedAddressClass } from './address-policy';
import { DestinationNotAllowedError, DestinationPolicy } from './destination-policy';

describe('refusedAddressClass', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['169.254.169.254', 'linkLocal'],
    ['224.0.0.1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['[::ffff:10.0.0.1]', 'private'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['2002:7f00:1::1', '6to4'],
  ])('refuses %s (%s)', (address, range) => {
    expect(refusedAddressClass(address)).toBe(range);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows public unicast %s', (address) => {
    expect(refusedAddressClass(address)).toBeUndefined();
  });

  it('refuses what is not an address at all', () => {
    expect(refusedAddressClass('example.com')).toBe('not an IP address');
  });
});

describe('normalizeHost', () => {
  it.each([
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['017700000001', '127.0.0.1'],
    ['[::ffff:127.0.0.1]', '::ffff:7f00:1'],
    ['::1', '::1'],
    ['[0:0:0:0:0:0:0:1]', '::1'],
    ['LOCALHOST', 'localhost'],
    ['Example.COM', 'example.com'],
  ])('%s → %s', (host, expected) => {
    expect(normalizeHost(host)).toBe(expected);
  });

  it('every numeric spelling of loopback ends up refused', () => {
    for (const h of ['2130706433', '0x7f000001', '0x7f.1', '0177.0.0.1', '[::ffff:127.0.0.1]']) {
      const n = normalizeHost(h);
      expect(isIpLiteral(n)).toBe(true);
      expect(refusedAddressClass(n)).toBe('loopback');
    }
  });

  it('names are not literals', () => {
    expect(isIpLiteral('localhost')).toBe(false);
    expect(isIpLiteral('1.2.3.4.example')).toBe(false);
  });
});

describe('DestinationPolicy', () => {
  const policy = DestinationPolicy.fromEnv(' 127.0.0.1:4468 , internal.example ,[::1]:9000');

  it('matches allow-list entries by host:port or host alone', () => {
    expect(policy.isAllowListed('127.0.0.1', 4468)).toBe(true);
    expect(policy.isAllowListed('127.0.0.1', 4469)).toBe(false);
    expect(policy.isAllowListed('internal.example', 443)).toBe(true);
    expect(policy.isAllowListed('::1', 9000)).toBe(true);
    expect(policy.isAllowListed('::1', 9001)).toBe(false);
  });

  it('throws DestinationNotAllowedError naming the class of a refused address', () => {
    expect(() => policy.assertAddress('metadata', '169.254.169.254')).toThrow(DestinationNotAllowedError);
    expect(() => policy.assertAddress('metadata', '169.254.169.254')).toThrow(/resolves to linkLocal address 169.254.169.254/);
    expect(() => policy.assertAddress('8.8.8.8', '8.8.8.8')).not.toThrow();
  });

  it('an empty setting allows nothing extra', () => {
    expect(DestinationPolicy.fromEnv(undefined).isAllowListed('127.0.0.1', 80)).toBe(false);
  });
});
