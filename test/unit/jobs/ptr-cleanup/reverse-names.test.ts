import { AddressSet, AddressSetBuilder, cidrContains, formatIp, parseCidr, parseIp } from '../../../../src/jobs/ptr-cleanup/ip.js';

const canonicalIp = (text: string) => formatIp(parseIp(text)!);
import { decodeOctalEscapes, ipToPtrName, ptrNameToIp, reverseZoneFamily } from '../../../../src/jobs/ptr-cleanup/reverse-names.js';

describe('ptrNameToIp', () => {
  it.each([
    ['3.2.1.10.in-addr.arpa.', '10.1.2.3'],
    ['3.2.1.10.in-addr.arpa', '10.1.2.3'],
    ['3.2.1.10.IN-ADDR.ARPA.', '10.1.2.3'],
    ['0.0.0.0.in-addr.arpa.', '0.0.0.0'],
    ['255.255.255.255.in-addr.arpa.', '255.255.255.255'],
    // RFC 3596's example
    ['b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa.', '4321:0:1:2:3:4:567:89ab'],
    ['1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.5.4.3.2.1.8.1.f.1.0.0.6.2.ip6.arpa.', '2600:1f18:1234:5600::1'],
    ['1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.', '::1'],
  ])('%s decodes to %s', (name, address) => {
    expect(ptrNameToIp(name)).toEqual({ ok: true, ip: parseIp(address), address });
  });

  it.each([
    ['0\\05726.2.0.192.in-addr.arpa.', "label '0/26' is not an octet"],
    ['\\052.2.0.10.in-addr.arpa.', "label '*' is not an octet"],
    ['2.0.10.in-addr.arpa.', 'has 4 octet labels, this one has 3'],
    ['5.4.3.2.1.in-addr.arpa.', 'this one has 5'],
    ['256.0.0.10.in-addr.arpa.', "label '256' is not an octet"],
    ['01.0.0.10.in-addr.arpa.', "label '01' is not an octet"],
    ['host.0.0.10.in-addr.arpa.', "label 'host' is not an octet"],
    ['1.0.ip6.arpa.', 'has 32 nibble labels, this one has 2'],
    [`${'g.'.repeat(32)}ip6.arpa.`, "label 'g' is not a hex nibble"],
    ['www.example.com.', 'not under in-addr.arpa or ip6.arpa'],
    ['in-addr.arpa.', 'not under in-addr.arpa or ip6.arpa'],
  ])('%s is not an IP: %s', (name, reason) => {
    const decoded = ptrNameToIp(name);
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.reason).toContain(reason);
  });
});

describe('ipToPtrName', () => {
  it.each([
    ['10.1.2.3', '3.2.1.10.in-addr.arpa.'],
    ['4321:0:1:2:3:4:567:89ab', 'b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa.'],
    ['2600:1F18:1234:5600::1', '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.5.4.3.2.1.8.1.f.1.0.0.6.2.ip6.arpa.'],
  ])('%s → %s and back', (address, name) => {
    expect(ipToPtrName(address)).toBe(name);
    expect(ptrNameToIp(name)).toMatchObject({ ok: true, address: canonicalIp(address) });
  });

  it('refuses what is not an address', () => {
    expect(() => ipToPtrName('10.1.2')).toThrow('not an IP address');
  });
});

describe('reverseZoneFamily and escapes', () => {
  it.each([
    ['10.in-addr.arpa.', 4],
    ['0.0.10.IN-ADDR.ARPA', 4],
    ['in-addr.arpa.', 4],
    ['6.5.4.3.2.1.8.1.f.1.0.0.6.2.ip6.arpa.', 6],
    ['example.com.', undefined],
    ['notin-addr.arpa.', undefined],
  ])('%s → %s', (zone, family) => {
    expect(reverseZoneFamily(zone)).toBe(family);
  });

  it('decodes octal escapes', () => {
    expect(decodeOctalEscapes('\\052.0\\05726.example.')).toBe('*.0/26.example.');
  });
});

describe('ip helpers', () => {
  it.each([
    ['2600:1f18:0:0:0:0:0:1', '2600:1f18::1'],
    ['2600:1F18:0000:0000:0001:0000:0000:0001', '2600:1f18::1:0:0:1'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['::', '::'],
  ])('canonical %s → %s', (text, canonical) => {
    expect(canonicalIp(text)).toBe(canonical);
  });

  it.each([
    '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3', '10.0.0.256', '10.0.0', '', 'x::1', '1:2:3:4:5:6:7::8:9',
    // Loose IPv4 spellings other parsers accept (010 would be octal 8): never an address here.
    '010.0.0.1', '10.01.0.1', '10.1', '167772161', '0x0a.0.0.1', ' 10.0.0.1', '10.0.0.1 ',
    // Zone ids, oversized groups and bad embedded IPv4.
    'fe80::1%eth0', '12345::1', '::ffff:10.0.0.256',
  ])('%j is not an IP', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it('matches CIDRs of both families', () => {
    const v4 = parseCidr('10.0.32.0/19')!;
    expect(cidrContains(v4, parseIp('10.0.63.255')!)).toBe(true);
    expect(cidrContains(v4, parseIp('10.0.64.0')!)).toBe(false);
    const v6 = parseCidr('2600:1f18:1234:5600::/56')!;
    expect(cidrContains(v6, parseIp('2600:1f18:1234:56ff::9')!)).toBe(true);
    expect(cidrContains(v6, parseIp('2600:1f18:1234:5700::')!)).toBe(false);
    expect(cidrContains(v6, parseIp('10.0.0.1')!)).toBe(false);
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0')).toBeUndefined();
  });

  it.each([
    ['10.0.0.0/32', '10.0.0.0', true],
    ['10.0.0.0/32', '10.0.0.1', false],
    ['0.0.0.0/0', '255.255.255.255', true],
    ['2600:1f18::/128', '2600:1f18::', true],
    ['2600:1f18::/128', '2600:1f18::1', false],
    ['::/0', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ['::/0', '0.0.0.0', false],
    ['10.0.0.7/29', '10.0.0.0', true],
    ['10.0.0.7/29', '10.0.0.8', false],
  ])('%s contains %s: %s', (cidr, ip, contained) => {
    expect(cidrContains(parseCidr(cidr)!, parseIp(ip)!)).toBe(contained);
  });

  it.each(['10.0.0.0/129', '::/129', '10.1/16', '010.0.0.0/8', '10.0.0.0/-1', '10.0.0.0/8/8', '10.0.0.0/ 8', '10.0.0.0/0x8', 'fe80::%eth0/64', '/8'])(
    '%j is not a CIDR',
    (text) => {
      expect(parseCidr(text)).toBeUndefined();
    },
  );

  it('AddressSet holds exact addresses and delegated prefixes', () => {
    const owned = AddressSet.of(['10.0.1.5', '2600:1f18:1234:5600:0:0:0:7'], ['10.0.2.16/28', '2600:1f18:1234:5601::/80']);
    const has = (text: string) => owned.has(parseIp(text)!);
    expect(has('10.0.1.5')).toBe(true);
    expect(has('10.0.1.6')).toBe(false);
    expect(has('10.0.2.31')).toBe(true);
    expect(has('10.0.2.32')).toBe(false);
    expect(has('2600:1f18:1234:5600::7')).toBe(true);
    expect(has('2600:1f18:1234:5601::abcd')).toBe(true);
    expect(has('2600:1f18:1234:5602::abcd')).toBe(false);
  });

  it('AddressSet finds every IPv4 address added page by page, in any order, duplicates and the range ends included', () => {
    const builder = new AddressSetBuilder();
    const held = Array.from({ length: 5000 }, (_, i) => `10.${(i * 7919) % 256}.${(i * 31) % 256}.${i % 256}`);
    for (let page = 0; page < 5; page++) builder.add(held.slice(page * 1000, (page + 1) * 1000), []);
    builder.add(['0.0.0.0', '255.255.255.255', held[0]!], []);
    const owned = builder.build();
    expect(held.every((text) => owned.has(parseIp(text)!))).toBe(true);
    expect(owned.has(parseIp('0.0.0.0')!)).toBe(true);
    expect(owned.has(parseIp('255.255.255.255')!)).toBe(true);
    const heldSet = new Set(held);
    const free = Array.from({ length: 2000 }, (_, i) => `10.${i % 256}.${(i * 13) % 256}.${(i * 5) % 256}`).filter((text) => !heldSet.has(text));
    expect(free.length).toBeGreaterThan(1000);
    expect(free.some((text) => owned.has(parseIp(text)!))).toBe(false);
    expect(owned.has(parseIp('11.0.0.0')!)).toBe(false);
  });

  it('AddressSet checks every prefix length it holds, and ignores what does not parse', () => {
    const owned = AddressSet.of(['10.0.0.1', 'not-an-ip', '010.0.0.9'], ['10.0.16.0/28', '10.0.32.0/24', '10.0.9.0/33', '2600:1f18::/80', '2600:1f18:0:1::/64']);
    const has = (text: string) => owned.has(parseIp(text)!);
    expect(has('10.0.16.15')).toBe(true);
    expect(has('10.0.16.16')).toBe(false);
    expect(has('10.0.32.255')).toBe(true);
    expect(has('10.0.33.0')).toBe(false);
    expect(has('10.0.9.1')).toBe(false);
    expect(has('10.0.0.9')).toBe(false);
    expect(has('8.0.0.9')).toBe(false);
    expect(has('2600:1f18::ffff:ffff:ffff')).toBe(true);
    expect(has('2600:1f18:0:0:1::')).toBe(false);
    expect(has('2600:1f18:0:1:ffff::1')).toBe(true);
    expect(has('::ffff:10.0.0.1')).toBe(false);
  });
});
