/**
 * EC2 state of the simulated account: images, launch templates, instances, ENIs, EBS volumes.
 * Instances are launched and terminated by the Auto Scaling model; this module only keeps the records
 * and the invariants (an ENI's addresses are unique in the VPC, a terminated instance's ENI is gone).
 */
import type { VirtualClock } from '../clock.js';
import type { MutationLog, VolumeModificationResult } from '../contracts.js';
import { cidr4Contains, intToIpv4, ipv4ToInt, parseCidr4, privateDnsName } from './net.js';
import type { AwsScenario } from './scenario.js';

export type InstanceState = 'pending' | 'running' | 'shutting-down' | 'terminated';
export type LifecycleState = 'Pending' | 'InService' | 'Terminating' | 'Terminated';

export interface Instance {
  instanceId: string;
  availabilityZone: string;
  subnetId: string;
  privateIp: string;
  privateDnsName: string;
  imageId: string;
  instanceType: string;
  state: InstanceState;
  launchTime: number;
  terminatedAt?: number;
  launchTemplateId?: string;
  launchTemplateName?: string;
  launchTemplateVersion?: string;
  autoScalingGroupName?: string;
  lifecycleState?: LifecycleState;
  networkInterfaceId: string;
  nodeLabels: Record<string, string>;
  tags: Record<string, string>;
}

export interface NetworkInterface {
  networkInterfaceId: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  privateIp: string;
  secondaryIps: string[];
  ipv6Addresses: string[];
  ipv4Prefixes: string[];
  ipv6Prefixes: string[];
  interfaceType: string;
  description: string;
  requesterManaged: boolean;
  requesterId?: string;
  macAddress: string;
  attachedInstanceId?: string;
  /** EC2's `status`: in-use when attached or managed by a service. */
  inUse: boolean;
}

export interface LaunchTemplateVersion {
  versionNumber: number;
  imageId: string;
  instanceType: string;
  description?: string;
  createTime: number;
  instanceProfileRole?: string;
  securityGroupIds: string[];
  tagSpecifications: ('instance' | 'volume')[];
  blockDevices: { deviceName: string; volumeType: string; sizeGiB: number; iops?: number; throughput?: number }[];
}

export interface LaunchTemplate {
  launchTemplateId: string;
  launchTemplateName: string;
  defaultVersion: number;
  versions: LaunchTemplateVersion[];
  createTime: number;
}

export interface Image {
  imageId: string;
  name: string;
  description: string;
  creationDate: string;
}

export type VolumeModificationState = 'modifying' | 'optimizing' | 'completed';

export interface VolumeModification {
  volumeId: string;
  state: VolumeModificationState;
  originalSize: number;
  targetSize: number;
  originalVolumeType: string;
  targetVolumeType: string;
  startTime: number;
  endTime?: number;
}

export interface Volume {
  volumeId: string;
  availabilityZone: string;
  sizeGiB: number;
  volumeType: string;
  iops?: number;
  throughput?: number;
  createTime: number;
  tags: Record<string, string>;
  modifications: VolumeModification[];
}

export interface Subnet {
  id: string;
  availabilityZone: string;
  cidr: string;
}

export interface SpotPrice {
  instanceType: string;
  availabilityZone: string;
  price: string;
  timestamp: number;
}

/** EBS's per-type maximum sizes in GiB. */
export const VOLUME_MAX_GIB: Record<string, number> = { gp2: 16384, io1: 16384, st1: 16384, sc1: 16384, standard: 1024, gp3: 65536, io2: 65536 };
/**
 * EBS's modification rate: up to four modifications per volume in a rolling 24 hours, each once the previous
 * one completed (AWS "ModifyVolume", since January 2026; before, one per 6 hours). The refusal's code is
 * EBS's; its message names the time of the next possible modification, as AWS documents it does.
 */
export const VOLUME_MODIFICATIONS_PER_WINDOW = 4;
export const VOLUME_MODIFICATION_WINDOW_MS = 24 * 3600_000;
const MODIFYING_MS = 5_000;
const OPTIMIZING_MS = 5 * 60_000;
/** Terminated instances stay visible in DescribeInstances this long, like EC2 (about an hour). */
const TERMINATED_VISIBLE_MS = 3600_000;

export class Ec2Model {
  readonly instances = new Map<string, Instance>();
  readonly networkInterfaces = new Map<string, NetworkInterface>();
  readonly launchTemplates = new Map<string, LaunchTemplate>();
  readonly images = new Map<string, Image>();
  readonly volumes = new Map<string, Volume>();
  readonly spotPrices: SpotPrice[];
  readonly subnets: Subnet[];
  /** The VPC's CIDR blocks: the primary one and any added later (e.g. 100.64.0.0/10 for EKS custom networking). */
  readonly vpcCidrs: string[];
  private readonly usedIps = new Set<string>();
  /** Base addresses of IPv4 prefixes delegated to ENIs: every address inside is owned. */
  private readonly usedPrefixes = new Set<number>();

  constructor(
    readonly scenario: AwsScenario,
    private readonly clock: VirtualClock,
    private readonly log: MutationLog,
    private readonly random: () => number,
  ) {
    const start = clock.now();
    this.subnets = scenario.subnets.map((sn) => ({ id: sn.id, availabilityZone: sn.availabilityZone, cidr: sn.cidr }));
    this.vpcCidrs = [scenario.vpc.cidr];
    for (const image of scenario.images) this.images.set(image.id, { imageId: image.id, name: image.name, description: image.description, creationDate: image.creationDate });
    for (const lt of scenario.launchTemplates) {
      this.launchTemplates.set(lt.id, {
        launchTemplateId: lt.id,
        launchTemplateName: lt.name,
        defaultVersion: lt.defaultVersion,
        createTime: start - 30 * 86400_000,
        versions: lt.versions.map((v) => ({
          versionNumber: v.version,
          imageId: v.imageId,
          instanceType: v.instanceType,
          description: v.description,
          createTime: start - (30 - v.version) * 86400_000,
          instanceProfileRole: v.instanceProfileRole,
          securityGroupIds: v.securityGroupIds,
          tagSpecifications: v.tagSpecifications,
          blockDevices: v.blockDevices,
        })),
      });
    }
    for (const eni of scenario.networkInterfaces) {
      this.addNetworkInterface({ ...eni, networkInterfaceId: eni.id, inUse: eni.status === 'in-use', subnetId: this.subnetContaining(eni.privateIp)?.id ?? this.subnetFor(eni.availabilityZone).id });
    }
    for (const v of scenario.volumes) {
      this.volumes.set(v.id, { volumeId: v.id, availabilityZone: v.availabilityZone, sizeGiB: v.sizeGiB, volumeType: v.volumeType, iops: v.iops, throughput: v.throughput, createTime: start - 90 * 86400_000, tags: v.tags, modifications: [] });
    }
    this.spotPrices = scenario.spotPrices.map((p) => ({ instanceType: p.instanceType, availabilityZone: p.availabilityZone, price: p.price, timestamp: start - p.hoursAgo * 3600_000 }));
  }

  get region(): string {
    return this.scenario.region;
  }

  /** The AZ's first subnet: where groups launch instances. */
  subnetFor(availabilityZone: string): Subnet {
    const subnet = this.subnets.find((s) => s.availabilityZone === availabilityZone);
    if (!subnet) throw new Error(`no subnet in ${availabilityZone}`);
    return subnet;
  }

  subnetContaining(ip: string): Subnet | undefined {
    return this.subnets.find((sn) => cidr4Contains(sn.cidr, ip));
  }

  /** A hex id like EC2's (17 hex digits), from the seeded PRNG so runs are reproducible. */
  newId(prefix: string): string {
    let hex = '';
    while (hex.length < 17) hex += Math.floor(this.random() * 16).toString(16);
    return `${prefix}-${hex}`;
  }

  /** A UUID-shaped id (scaling activities, group ARNs), from the seeded PRNG. */
  newUuid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.random() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** A free address in the AZ's subnet, skipping the five addresses AWS reserves. */
  allocateIp(availabilityZone: string): string {
    const { base, size } = parseCidr4(this.subnetFor(availabilityZone).cidr);
    for (;;) {
      const ip = intToIpv4(base + 4 + Math.floor(this.random() * (size - 5)));
      if (!this.ownsIp(ip)) return ip;
    }
  }

  /** Whether some ENI holds the address, as its primary or secondary IP or inside a delegated prefix. */
  ownsIp(ip: string): boolean {
    return this.usedIps.has(ip) || (this.usedPrefixes.size > 0 && this.usedPrefixes.has((ipv4ToInt(ip) & ~15) >>> 0));
  }

  addNetworkInterface(
    spec: Omit<NetworkInterface, 'vpcId' | 'macAddress' | 'description' | 'requesterManaged' | 'secondaryIps' | 'ipv6Addresses' | 'ipv4Prefixes' | 'ipv6Prefixes' | 'inUse'> & Partial<NetworkInterface>,
  ): NetworkInterface {
    const eni: NetworkInterface = {
      inUse: Boolean(spec.attachedInstanceId) || Boolean(spec.requesterManaged),
      vpcId: this.scenario.vpc.id,
      macAddress: `0e:${Array.from({ length: 5 }, () => Math.floor(this.random() * 256).toString(16).padStart(2, '0')).join(':')}`,
      description: '',
      requesterManaged: false,
      secondaryIps: [],
      ipv6Addresses: [],
      ipv4Prefixes: [],
      ipv6Prefixes: [],
      ...spec,
    };
    for (const ip of [eni.privateIp, ...eni.secondaryIps]) {
      if (this.ownsIp(ip)) throw new Error(`IP ${ip} is already in use (ENI ${eni.networkInterfaceId})`);
      if (!this.vpcCidrs.some((cidr) => cidr4Contains(cidr, ip))) throw new Error(`IP ${ip} is outside the VPC's CIDR blocks ${this.vpcCidrs.join(', ')}`);
      this.usedIps.add(ip);
    }
    for (const prefix of eni.ipv4Prefixes) this.usedPrefixes.add(parseCidr4(prefix).base);
    this.networkInterfaces.set(eni.networkInterfaceId, eni);
    return eni;
  }

  deleteNetworkInterface(id: string): void {
    const eni = this.networkInterfaces.get(id);
    if (!eni) return;
    for (const ip of [eni.privateIp, ...eni.secondaryIps]) this.usedIps.delete(ip);
    for (const prefix of eni.ipv4Prefixes) this.usedPrefixes.delete(parseCidr4(prefix).base);
    this.networkInterfaces.delete(id);
  }

  createInstance(spec: {
    instanceId?: string;
    availabilityZone: string;
    privateIp?: string;
    imageId: string;
    instanceType: string;
    launchTemplate?: { id: string; name: string; version: string };
    autoScalingGroupName?: string;
    nodeLabels: Record<string, string>;
    launchTime: number;
    addresses?: Pick<NetworkInterface, 'secondaryIps' | 'ipv6Addresses' | 'ipv4Prefixes' | 'ipv6Prefixes'>;
  }): Instance {
    const instanceId = spec.instanceId ?? this.newId('i');
    const privateIp = spec.privateIp ?? this.allocateIp(spec.availabilityZone);
    const subnetId = this.subnetFor(spec.availabilityZone).id;
    const eni = this.addNetworkInterface({
      networkInterfaceId: this.newId('eni'),
      subnetId,
      availabilityZone: spec.availabilityZone,
      privateIp,
      interfaceType: 'interface',
      attachedInstanceId: instanceId,
      ...spec.addresses,
    });
    const instance: Instance = {
      instanceId,
      availabilityZone: spec.availabilityZone,
      subnetId,
      privateIp,
      privateDnsName: privateDnsName(privateIp, this.region),
      imageId: spec.imageId,
      instanceType: spec.instanceType,
      state: 'pending',
      launchTime: spec.launchTime,
      launchTemplateId: spec.launchTemplate?.id,
      launchTemplateName: spec.launchTemplate?.name,
      launchTemplateVersion: spec.launchTemplate?.version,
      autoScalingGroupName: spec.autoScalingGroupName,
      networkInterfaceId: eni.networkInterfaceId,
      nodeLabels: spec.nodeLabels,
      tags: spec.autoScalingGroupName ? { 'aws:autoscaling:groupName': spec.autoScalingGroupName } : {},
    };
    this.instances.set(instanceId, instance);
    return instance;
  }

  /** The instance is gone: its ENI (and so its IPs) is released; the record lingers as `terminated`. */
  markTerminated(instance: Instance): void {
    instance.state = 'terminated';
    instance.terminatedAt = this.clock.now();
    this.deleteNetworkInterface(instance.networkInterfaceId);
    this.clock.after(TERMINATED_VISIBLE_MS, () => this.instances.delete(instance.instanceId));
  }

  /** The virtual time (spot price history ends now). */
  now(): number {
    return this.clock.now();
  }

  /** `$Latest`, `$Default` or a number, as EC2 resolves launch template versions. */
  resolveVersion(lt: LaunchTemplate, version: string | undefined): LaunchTemplateVersion | undefined {
    const number = version === '$Latest' ? Math.max(...lt.versions.map((v) => v.versionNumber)) : version === undefined || version === '$Default' ? lt.defaultVersion : Number(version);
    return lt.versions.find((v) => v.versionNumber === number);
  }

  findLaunchTemplate(idOrName: { id?: string; name?: string }): LaunchTemplate | undefined {
    if (idOrName.id) return this.launchTemplates.get(idOrName.id);
    return [...this.launchTemplates.values()].find((lt) => lt.launchTemplateName === idOrName.name);
  }

  /** ec2:ModifyVolume (size, optionally type), with EBS's failure modes. */
  modifyVolume(volumeId: string, sizeGiB: number, targetType?: string): VolumeModificationResult {
    const volume = this.volumes.get(volumeId);
    if (!volume) return { ok: false, code: 'InvalidVolume.NotFound', message: `The volume '${volumeId}' does not exist.` };
    const now = this.clock.now();
    const last = volume.modifications.at(-1);
    if (last && last.state !== 'completed') {
      return { ok: false, code: 'IncorrectModificationState', message: `Cannot modify volume ${volumeId}: a previous modification is still in the ${last.state} state.` };
    }
    const recent = volume.modifications.filter((m) => m.startTime > now - VOLUME_MODIFICATION_WINDOW_MS);
    if (recent.length >= VOLUME_MODIFICATIONS_PER_WINDOW) {
      const next = new Date(recent[recent.length - VOLUME_MODIFICATIONS_PER_WINDOW]!.startTime + VOLUME_MODIFICATION_WINDOW_MS).toISOString();
      return {
        ok: false,
        code: 'VolumeModificationRateExceeded',
        message: `You've reached the maximum modification rate per volume limit of ${VOLUME_MODIFICATIONS_PER_WINDOW} modifications in a rolling 24-hour period. Wait until ${next} before modifying volume ${volumeId} again.`,
      };
    }
    const volumeType = targetType ?? volume.volumeType;
    const max = VOLUME_MAX_GIB[volumeType];
    if (max === undefined) return { ok: false, code: 'InvalidParameterValue', message: `Value (${volumeType}) for parameter volumeType is invalid.` };
    if (!Number.isInteger(sizeGiB) || sizeGiB < volume.sizeGiB) {
      return { ok: false, code: 'InvalidParameterValue', message: `New size ${sizeGiB}GiB cannot be smaller than the existing size ${volume.sizeGiB}GiB.` };
    }
    if (sizeGiB > max) return { ok: false, code: 'InvalidParameterValue', message: `Volume of ${sizeGiB}GiB is too large for volume type ${volumeType}; maximum is ${max}GiB.` };
    if (sizeGiB === volume.sizeGiB && volumeType === volume.volumeType) {
      return { ok: false, code: 'InvalidParameterCombination', message: `New size and type are the same as the current ones for volume ${volumeId}.` };
    }
    const modification: VolumeModification = { volumeId, state: 'modifying', originalSize: volume.sizeGiB, targetSize: sizeGiB, originalVolumeType: volume.volumeType, targetVolumeType: volumeType, startTime: now };
    volume.modifications.push(modification);
    this.log.record({ at: now, service: 'ec2', action: 'ModifyVolume', target: volumeId, details: { fromGiB: volume.sizeGiB, toGiB: sizeGiB, volumeType } });
    // The new size is usable once the modification reaches `optimizing` (seconds); completion takes longer.
    this.clock.after(MODIFYING_MS, () => {
      modification.state = 'optimizing';
      volume.sizeGiB = sizeGiB;
      volume.volumeType = volumeType;
    });
    this.clock.after(MODIFYING_MS + OPTIMIZING_MS, () => {
      modification.state = 'completed';
      modification.endTime = this.clock.now();
    });
    return { ok: true, modificationState: 'modifying' };
  }

  /** Progress as EC2 reports it: 0 while modifying, up to 99 while optimizing, 100 completed. */
  modificationProgress(m: VolumeModification): number {
    if (m.state === 'completed') return 100;
    if (m.state === 'modifying') return 0;
    return Math.min(99, Math.floor(((this.clock.now() - m.startTime - MODIFYING_MS) / OPTIMIZING_MS) * 100));
  }
}
