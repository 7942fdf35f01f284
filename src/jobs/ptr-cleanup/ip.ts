/**
 * IP addresses and CIDR prefixes for the PTR cleanup, on ipaddr.js: a PTR name, an ENI address and a prefix
 * compare exactly whatever their spelling (`2600:1f18::1` vs `2600:1f18:0:0:0:0:0:1`). This decides which
 * records are deleted, so parsing is strict: dotted-quad IPv4 only (no `10.1`, `0x0a.0.0.1` or leading
 * zeros, which other parsers read as octal), IPv6 without a zone id; anything else is not an address.
 */
import ipaddr from 'ipaddr.js';

export type Ip = ipaddr.IPv4 | ipaddr.IPv6;
export type IpFamily = 4 | 6;

export interface Cidr {
  network: Ip;
  prefixLength: number;
}

export function familyOf(ip: Ip): IpFamily {
  return ip.kind() === 'ipv4' ? 4 : 6;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

export function parseIp(text: string): Ip | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (ipaddr.IPv6.isValid(text) && !text.includes('%')) return ipaddr.IPv6.parse(text);
  return undefined;
}

/** Dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run compressed). */
export function formatIp(ip: Ip): string {
  return ip instanceof ipaddr.IPv6 ? ip.toRFC5952String() : ip.toString();
}

/** `10.0.32.0/19`, `2600:1f18::/56`; host bits may be set (`10.0.0.5/24` is 10.0.0.0/24). */
export function parseCidr(text: string): Cidr | undefined {
  const [address, length, ...rest] = text.split('/');
  if (address === undefined || length === undefined || rest.length > 0 || !/^\d{1,3}$/.test(length)) return undefined;
  const network = parseIp(address);
  const prefixLength = Number(length);
  if (!network || prefixLength > BITS[familyOf(network)]) return undefined;
  return { network, prefixLength };
}

export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  return cidr.network.kind() === ip.kind() && ip.match(cidr.network, cidr.prefixLength);
}

/**
 * Addresses and prefixes (EKS prefix delegation) held by network interfaces. Prefixes are indexed by family and
 * length, so a lookup costs one masked key per distinct length: 100,000 PTR names check quickly against
 * thousands of /28 prefixes.
 */
export class AddressSet {
  private readonly exact = new Set<string>();
  private readonly prefixes: { family: IpFamily; prefixLength: number; mask: number[]; networks: Set<string> }[] = [];

  constructor(addresses: Iterable<string>, prefixes: Iterable<string>) {
    for (const address of addresses) {
      const ip = parseIp(address);
      if (ip) this.exact.add(keyOf(ip.toByteArray()));
    }
    for (const prefix of prefixes) {
      const cidr = parseCidr(prefix);
      if (!cidr) continue;
      const family = familyOf(cidr.network);
      const { prefixLength } = cidr;
      let group = this.prefixes.find((g) => g.family === family && g.prefixLength === prefixLength);
      if (!group) this.prefixes.push((group = { family, prefixLength, mask: subnetMask(family, prefixLength), networks: new Set() }));
      group.networks.add(maskedKey(cidr.network.toByteArray(), group.mask));
    }
  }

  has(ip: Ip): boolean {
    const bytes = ip.toByteArray();
    if (this.exact.has(keyOf(bytes))) return true;
    const family = familyOf(ip);
    return this.prefixes.some((g) => g.family === family && g.networks.has(maskedKey(bytes, g.mask)));
  }
}

function subnetMask(family: IpFamily, prefixLength: number): number[] {
  return (family === 4 ? ipaddr.IPv4 : ipaddr.IPv6).subnetMaskFromPrefixLength(prefixLength).toByteArray();
}

function keyOf(bytes: number[]): string {
  return bytes.join('.');
}

function maskedKey(bytes: number[], mask: number[]): string {
  return keyOf(bytes.map((byte, i) => byte & mask[i]!));
}
