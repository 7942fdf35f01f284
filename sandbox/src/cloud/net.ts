/** IPv4 arithmetic and DNS name encoding shared by the EC2 and Route 53 models. */

export function ipv4ToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr4(cidr: string): { base: number; size: number } {
  const [ip, bits] = cidr.split('/');
  const prefix = Number(bits);
  const size = 2 ** (32 - prefix);
  return { base: ipv4ToInt(ip!) & ~(size - 1) >>> 0, size };
}

export function cidr4Contains(cidr: string, ip: string): boolean {
  const { base, size } = parseCidr4(cidr);
  const n = ipv4ToInt(ip);
  return n >= base && n < base + size;
}

export function ptrNameIpv4(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa.`;
}

/** EC2's default private DNS name (us-east-1 has its own domain). */
export function privateDnsName(ip: string, region: string): string {
  const host = `ip-${ip.replaceAll('.', '-')}`;
  return region === 'us-east-1' ? `${host}.ec2.internal` : `${host}.${region}.compute.internal`;
}

/**
 * Route 53's stored form: lowercase, trailing dot, and every character other than a-z, 0-9, '-', '_'
 * (and the label dots) as a three-digit octal escape, e.g. '*' -> '\052'. Existing escapes are kept.
 */
export function normalizeDnsName(name: string): string {
  // Fast path: already in stored form (bulk loads and generated data).
  if (/^[a-z0-9\-_.]*\.$/.test(name)) return name;
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    if (ch === '\\' && /^\d{3}$/.test(name.slice(i + 1, i + 4))) {
      out += name.slice(i, i + 4);
      i += 3;
    } else if (/[a-z0-9\-_.]/.test(ch.toLowerCase())) {
      out += ch.toLowerCase();
    } else {
      out += `\\${ch.charCodeAt(0).toString(8).padStart(3, '0')}`;
    }
  }
  return out.endsWith('.') ? out : `${out}.`;
}
