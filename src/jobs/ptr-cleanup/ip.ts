/**
 * IPv4/IPv6 addresses as numbers, so a PTR name, an ENI address and a prefix compare exactly
 * whatever their spelling (`2600:1f18::1` vs `2600:1f18:0:0:0:0:0:1`).
 */
export type IpFamily = 4 | 6;

export interface Ip {
  family: IpFamily;
  value: bigint;
}

export interface Cidr {
  family: IpFamily;
  network: bigint;
  prefixLength: number;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  let body = text.toLowerCase();
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two hex groups.
  const lastColon = body.lastIndexOf(':');
  if (body.includes('.', lastColon)) {
    const v4 = parseIpv4(body.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    body = `${body.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

export function parseIp(text: string): Ip | undefined {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { family: 4, value };
}

/** Dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run compressed). */
export function formatIp(ip: Ip): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => ((ip.value >> shift) & 0xffn).toString()).join('.');
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export function parseCidr(text: string): Cidr | undefined {
  const [address, length, ...rest] = text.split('/');
  if (address === undefined || length === undefined || rest.length > 0 || !/^\d{1,3}$/.test(length)) return undefined;
  const ip = parseIp(address);
  const prefixLength = Number(length);
  if (!ip || prefixLength > BITS[ip.family]) return undefined;
  return { family: ip.family, network: maskTo(ip, prefixLength), prefixLength };
}

function maskTo(ip: Ip, prefixLength: number): bigint {
  const hostBits = BigInt(BITS[ip.family] - prefixLength);
  return (ip.value >> hostBits) << hostBits;
}

export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  return cidr.family === ip.family && maskTo(ip, cidr.prefixLength) === cidr.network;
}

/**
 * Addresses and prefixes (EKS prefix delegation) held by network interfaces. Lookups are O(number of
 * distinct prefix lengths), so 100,000 PTR names check quickly against thousands of /28 prefixes.
 */
export class AddressSet {
  private readonly exact: Record<IpFamily, Set<bigint>> = { 4: new Set(), 6: new Set() };
  private readonly prefixes: { family: IpFamily; hostBits: bigint; networks: Set<bigint> }[] = [];

  constructor(addresses: Iterable<string>, prefixes: Iterable<string>) {
    for (const address of addresses) {
      const ip = parseIp(address);
      if (ip) this.exact[ip.family].add(ip.value);
    }
    for (const prefix of prefixes) {
      const cidr = parseCidr(prefix);
      if (!cidr) continue;
      const hostBits = BigInt(BITS[cidr.family] - cidr.prefixLength);
      let group = this.prefixes.find((g) => g.family === cidr.family && g.hostBits === hostBits);
      if (!group) this.prefixes.push((group = { family: cidr.family, hostBits, networks: new Set() }));
      group.networks.add(cidr.network);
    }
  }

  has(ip: Ip): boolean {
    if (this.exact[ip.family].has(ip.value)) return true;
    return this.prefixes.some((g) => g.family === ip.family && g.networks.has((ip.value >> g.hostBits) << g.hostBits));
  }
}
