/**
 * Generated PTR data: reverse zones whose records point at addresses some ENI owns (live) or nobody owns
 * (stale). Live addresses get realistic owners: VPC CNI ENIs with secondary IPs, prefix-delegated /28s,
 * load balancers, Lambda, VPC endpoints, RDS and EKS control-plane ENIs. Deterministic for a seed.
 */
import { seededRandom } from '../contracts.js';
import type { Subnet } from './ec2-model.js';
import type { Ec2Model } from './ec2-model.js';
import type { Route53Model } from './route53-model.js';

/** The parts of the simulated account that generated records live in. */
export interface PtrHost {
  ec2: Ec2Model;
  route53: Route53Model;
}
import { intToIpv4, ipv4ToInt, parseCidr4, privateDnsName, ptrNameIpv4 } from './net.js';
import type { HostedZone, RecordSet } from './route53-model.js';

interface OwnerKind {
  interfaceType: string;
  description: (hex: string) => string;
  requesterManaged: boolean;
  requesterId?: string;
  /** Addresses one ENI of this kind carries. */
  addresses: number;
  prefix?: boolean;
}

const OWNER_KINDS: OwnerKind[] = [
  { interfaceType: 'interface', description: (h) => `aws-K8S-i-${h}`, requesterManaged: false, addresses: 10 },
  { interfaceType: 'interface', description: (h) => `aws-K8S-i-${h}`, requesterManaged: false, addresses: 4, prefix: true },
  { interfaceType: 'load_balancer', description: (h) => `ELB app/k8s-apps-${h.slice(0, 6)}/${h.slice(0, 16)}`, requesterManaged: true, requesterId: 'amazon-elb', addresses: 1 },
  { interfaceType: 'lambda', description: (h) => `AWS Lambda VPC ENI-worker-${h.slice(0, 8)}`, requesterManaged: true, requesterId: 'AROAEXAMPLELAMBDA:worker', addresses: 1 },
  { interfaceType: 'vpc_endpoint', description: (h) => `VPC Endpoint Interface vpce-${h}`, requesterManaged: true, requesterId: '727180483921', addresses: 1 },
  { interfaceType: 'interface', description: () => 'RDSNetworkInterface', requesterManaged: true, requesterId: 'amazon-rds', addresses: 1 },
  { interfaceType: 'interface', description: () => 'Amazon EKS prod', requesterManaged: false, addresses: 1 },
];

export interface PtrGeneration {
  live: number;
  stale: number;
  seed: number;
  /** Where live and stale addresses are drawn from. */
  subnets: Subnet[];
}

/** Adds `live` + `stale` PTR records to the zone and the ENIs that make the live ones live. */
export function generatePtrRecords(model: PtrHost, zone: HostedZone, spec: PtrGeneration): void {
  const random = seededRandom(spec.seed);
  const { ec2, route53 } = model;
  const picked = new Set<string>();
  const records: RecordSet[] = [];
  const hex = () => Array.from({ length: 17 }, () => Math.floor(random() * 16).toString(16)).join('');
  // An address that already has a PTR in this zone or an overlapping one (e.g. a more specific zone) is left alone.
  const overlapping = [...route53.zones.values()].filter((z) => z.name.endsWith(zone.name) || zone.name.endsWith(z.name));
  const usable = (ip: string) => {
    if (picked.has(ip) || ec2.ownsIp(ip)) return false;
    const name = ptrNameIpv4(ip);
    return name.endsWith(`.${zone.name}`) && !overlapping.some((z) => route53.hasRecordSet(z, name, 'PTR'));
  };
  const subnetOf = () => spec.subnets[Math.floor(random() * spec.subnets.length)]!;
  const freeIp = (subnet: Subnet): string => {
    const { base, size } = parseCidr4(subnet.cidr);
    for (;;) {
      const ip = intToIpv4(base + 4 + Math.floor(random() * (size - 5)));
      if (usable(ip)) return ip;
    }
  };
  const freePrefix = (subnet: Subnet): string => {
    const { base, size } = parseCidr4(subnet.cidr);
    for (;;) {
      const start = base + 16 * (1 + Math.floor(random() * (size / 16 - 2)));
      const all = Array.from({ length: 16 }, (_, n) => intToIpv4(start + n));
      if (all.every(usable)) return `${intToIpv4(start)}/28`;
    }
  };
  const ptr = (ip: string) => {
    picked.add(ip);
    records.push({ name: ptrNameIpv4(ip), type: 'PTR', ttl: 300, values: [`${privateDnsName(ip, ec2.region)}.`] });
  };

  for (let live = 0, n = 0; live < spec.live; n++) {
    const kind = OWNER_KINDS[n % OWNER_KINDS.length]!;
    const subnet = subnetOf();
    const count = Math.min(kind.addresses, spec.live - live);
    const primary = freeIp(subnet);
    picked.add(primary);
    const secondaryIps: string[] = [];
    const ipv4Prefixes: string[] = [];
    const ptrIps = [primary];
    if (kind.prefix) {
      const prefix = freePrefix(subnet);
      ipv4Prefixes.push(prefix);
      const start = ipv4ToInt(prefix.split('/')[0]!);
      for (let k = 1; k < count; k++) ptrIps.push(intToIpv4(start + 2 + k));
    } else {
      for (let k = 1; k < count; k++) {
        const ip = freeIp(subnet);
        picked.add(ip);
        secondaryIps.push(ip);
        ptrIps.push(ip);
      }
    }
    ec2.addNetworkInterface({
      networkInterfaceId: `eni-${hex()}`,
      subnetId: subnet.id,
      availabilityZone: subnet.availabilityZone,
      privateIp: primary,
      secondaryIps,
      ipv4Prefixes,
      interfaceType: kind.interfaceType,
      description: kind.description(hex()),
      requesterManaged: kind.requesterManaged,
      requesterId: kind.requesterId,
      inUse: true,
    });
    for (const ip of ptrIps) ptr(ip);
    live += ptrIps.length;
  }
  for (let stale = 0; stale < spec.stale; stale++) ptr(freeIp(subnetOf()));
  route53.addRecords(zone, records);
}

/** The /16 of generated zone `i`: 100.64–100.127 (100.64.0.0/10, as EKS custom networking uses), then 10.1–10.255. */
function generatedBlock(i: number): { first: number; second: number } {
  return i < 64 ? { first: 100, second: 64 + i } : { first: 10, second: i - 63 };
}

/**
 * Bench data: `zones` private reverse zones, one per /16 (`<second>.<first>.in-addr.arpa.`, see
 * generatedBlock), holding `records` PTRs in total, `staleShare` of them stale.
 */
export function generatePtrZones(model: PtrHost, opts: { zones?: number; records?: number; staleShare?: number; seed?: number } = {}): HostedZone[] {
  const { zones = 11, records = 100_000, staleShare = 0.5, seed = 1 } = opts;
  if (zones > 64 + 255) throw new Error('at most 319 generated zones (one /16 each: 64 in 100.64.0.0/10, 255 in 10.0.0.0/8)');
  const azs = [...new Set(model.ec2.subnets.map((s) => s.availabilityZone))];
  const created: HostedZone[] = [];
  for (let i = 0; i < zones; i++) {
    const { first, second } = generatedBlock(i);
    const block = first === 100 ? '100.64.0.0/10' : `${first}.${second}.0.0/16`;
    if (!model.ec2.vpcCidrs.includes(block)) model.ec2.vpcCidrs.push(block);
    const tag = String(first * 1000 + second).padStart(6, '0');
    const subnet: Subnet = { id: `subnet-0c9a${tag.padStart(13, '0')}`, availabilityZone: azs[i % azs.length]!, cidr: `${first}.${second}.0.0/16` };
    model.ec2.subnets.push(subnet);
    const id = first === 100 ? `Z0GEN${String(second).padStart(4, '0')}PTR` : `Z0GEN${tag}PTR`;
    const zone = model.route53.createZone({ id, name: `${second}.${first}.in-addr.arpa.`, privateZone: true, comment: 'generated PTR zone' });
    const count = Math.floor(records / zones) + (i < records % zones ? 1 : 0);
    const stale = Math.round(count * staleShare);
    generatePtrRecords(model, zone, { live: count - stale, stale, seed: seed * 1000 + i, subnets: [subnet] });
    created.push(zone);
  }
  return created;
}
