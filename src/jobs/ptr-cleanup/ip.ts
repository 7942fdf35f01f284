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

interface PrefixGroup {
  family: IpFamily;
  prefixLength: number;
  mask: number[];
  networks: Set<string>;
}

/**
 * Addresses and prefixes (EKS prefix delegation) held by network interfaces. IPv4 addresses are a sorted
 * Uint32Array (4 bytes each instead of a string and a hash entry: 184,000 interfaces fit in a few MB).
 * Prefixes are indexed by family and length, so a lookup costs one masked key per distinct length:
 * 100,000 PTR names check quickly against thousands of /28 prefixes.
 */
export class AddressSet {
  constructor(
    private readonly v4: Uint32Array,
    private readonly v6: ReadonlySet<string>,
    private readonly prefixes: readonly PrefixGroup[],
  ) {}

  static of(addresses: Iterable<string>, prefixes: Iterable<string>): AddressSet {
    return new AddressSetBuilder().add(addresses, prefixes).build();
  }

  has(ip: Ip): boolean {
    const bytes = ip.toByteArray();
    const family = familyOf(ip);
    if (family === 4 ? sortedHas(this.v4, v4Number(bytes)) : this.v6.has(keyOf(bytes))) return true;
    return this.prefixes.some((g) => g.family === family && g.networks.has(maskedKey(bytes, g.mask)));
  }
}

/** Collects what interfaces hold a page at a time; unparseable entries are ignored (they hold nothing we could match). */
export class AddressSetBuilder {
  private v4 = new Uint32Array(1024);
  private v4Count = 0;
  private readonly v6 = new Set<string>();
  private readonly prefixes: PrefixGroup[] = [];

  add(addresses: Iterable<string>, prefixes: Iterable<string>): this {
    for (const address of addresses) {
      const ip = parseIp(address);
      if (!ip) continue;
      if (familyOf(ip) === 6) this.v6.add(keyOf(ip.toByteArray()));
      else {
        if (this.v4Count === this.v4.length) {
          const grown = new Uint32Array(this.v4.length * 2);
          grown.set(this.v4);
          this.v4 = grown;
        }
        this.v4[this.v4Count++] = v4Number(ip.toByteArray());
      }
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
    return this;
  }

  build(): AddressSet {
    return new AddressSet(this.v4.slice(0, this.v4Count).sort(), this.v6, this.prefixes);
  }
}

function v4Number(bytes: number[]): number {
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

function sortedHas(sorted: Uint32Array, value: number): boolean {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const at = sorted[middle]!;
    if (at === value) return true;
    if (at < value) low = middle + 1;
    else high = middle - 1;
  }
  return false;
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
