/**
 * Reverse DNS names (RFC 1035 §3.5 for IPv4, RFC 3596 §2.5 for IPv6) to IP addresses and back.
 * Route 53 returns names lowercase, with a trailing dot, and with `\ooo` octal escapes for every
 * character other than a-z, 0-9, '-' and '_' (an RFC 2317 label `0/26` comes back as `0\05726`).
 */
import { familyOf, formatIp, parseIp, type Ip, type IpFamily } from './ip.js';

export type DecodedPtrName = { ok: true; ip: Ip; address: string } | { ok: false; reason: string };

const IPV4_SUFFIX = '.in-addr.arpa';
const IPV6_SUFFIX = '.ip6.arpa';

/** `\052` → `*`: only for showing names to people; Route 53 wants names back as it sent them. */
export function decodeOctalEscapes(name: string): string {
  return name.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

function withoutTrailingDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** The family of addresses a zone holds reverse names for, or undefined for a forward zone. */
export function reverseZoneFamily(zoneName: string): IpFamily | undefined {
  const name = `.${withoutTrailingDot(zoneName.toLowerCase())}`;
  if (name.endsWith(IPV4_SUFFIX)) return 4;
  if (name.endsWith(IPV6_SUFFIX)) return 6;
  return undefined;
}

const OCTET = /^(0|[1-9]\d{0,2})$/;
const NIBBLE = /^[0-9a-f]$/;

export function ptrNameToIp(recordName: string): DecodedPtrName {
  const name = withoutTrailingDot(recordName.toLowerCase());
  const fail = (why: string): DecodedPtrName => ({ ok: false, reason: `${decodeOctalEscapes(name)}: ${why}` });
  if (name.endsWith(IPV4_SUFFIX)) {
    const labels = name.slice(0, -IPV4_SUFFIX.length).split('.');
    if (labels.length !== 4) return fail(`an IPv4 reverse name has 4 octet labels, this one has ${labels.length}`);
    const bad = labels.find((label) => !OCTET.test(label) || Number(label) > 255);
    if (bad !== undefined) return fail(`label '${decodeOctalEscapes(bad)}' is not an octet`);
    return decoded(parseIp(labels.reverse().join('.')));
  }
  if (name.endsWith(IPV6_SUFFIX)) {
    const labels = name.slice(0, -IPV6_SUFFIX.length).split('.');
    if (labels.length !== 32) return fail(`an IPv6 reverse name has 32 nibble labels, this one has ${labels.length}`);
    const bad = labels.find((label) => !NIBBLE.test(label));
    if (bad !== undefined) return fail(`label '${decodeOctalEscapes(bad)}' is not a hex nibble`);
    const groups = labels.reverse().join('').match(/.{4}/g)!;
    return decoded(parseIp(groups.join(':')));
  }
  return fail('not under in-addr.arpa or ip6.arpa');
}

/** Labels checked above always make an address; anything else would be a bug here, not bad input. */
function decoded(ip: Ip | undefined): DecodedPtrName {
  if (!ip) throw new Error('reverse-name labels did not form an address');
  return { ok: true, ip, address: formatIp(ip) };
}

/** `10.1.2.3` → `3.2.1.10.in-addr.arpa.`; IPv6 → 32 reversed nibbles + `ip6.arpa.` */
export function ipToPtrName(address: string): string {
  const ip = parseIp(address);
  if (!ip) throw new Error(`not an IP address: ${address}`);
  const bytes = ip.toByteArray();
  if (familyOf(ip) === 4) return `${bytes.reverse().join('.')}.in-addr.arpa.`;
  const nibbles = bytes.flatMap((byte) => byte.toString(16).padStart(2, '0').split(''));
  return `${nibbles.reverse().join('.')}.ip6.arpa.`;
}
