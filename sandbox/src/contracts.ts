/**
 * What the sandbox's simulated AWS account ("cloud") and EKS cluster ("cluster") share.
 * The cloud owns Auto Scaling groups, instances, ENIs, launch templates, EBS volumes, Route 53 and prices;
 * the cluster owns Kubernetes objects and controllers. They meet only here: instance lifecycle events
 * (a booted instance registers a Node, a terminated one removes it) and EBS volume modification (PVC expansion).
 */
import { EventEmitter } from 'node:events';

/** Services whose faults can be injected; also the `service` of mutation log entries. */
export type SandboxService = 'autoscaling' | 'ec2' | 'route53' | 'pricing' | 'kubernetes' | 'slack';

export interface InstanceInfo {
  instanceId: string;
  availabilityZone: string;
  privateIp: string;
  /** e.g. ip-10-0-1-23.ec2.internal: the Node name EKS gives a self-managed node. */
  privateDnsName: string;
  imageId: string;
  instanceType: string;
  launchTemplateId?: string;
  launchTemplateVersion?: string;
  autoScalingGroupName?: string;
  /** Labels the node's kubelet would register with (from the scenario's node group). */
  nodeLabels: Record<string, string>;
}

export interface CloudEventMap {
  /** The instance finished booting (EC2 state running, ASG InService): the kubelet registers a Node now. */
  'instance-running': [InstanceInfo];
  /** Emitted synchronously just before termination, so the cluster can log what still ran on the node. */
  'instance-terminating': [InstanceInfo];
  /** The instance is gone: its Node disappears. */
  'instance-terminated': [InstanceInfo];
}

export class CloudEvents extends EventEmitter<CloudEventMap> {}

export type VolumeModificationResult =
  | { ok: true; modificationState: 'modifying' | 'optimizing' | 'completed' }
  | { ok: false; code: string; message: string };

/** What the cluster's EBS CSI controller model asks of the cloud. */
export interface CloudForCluster {
  events: CloudEvents;
  /** ec2:ModifyVolume: fails like EBS (rate limit per volume, type maximum, modification in progress). */
  modifyVolume(volumeId: string, sizeGiB: number): VolumeModificationResult;
  volume(volumeId: string): { volumeId: string; sizeGiB: number; volumeType: string; availabilityZone: string } | undefined;
}

/** Per-service fault knobs. Randomness is seeded, so a test with faults is still deterministic. */
export interface ServiceFaults {
  /** Share of calls answered with the service's real throttling error (0..1). */
  throttleRate?: number;
  /** Share of calls answered with a 500/InternalError (0..1). */
  errorRate?: number;
  /** Real milliseconds added to every call. */
  latencyMs?: number;
  /** Calls are accepted and never answered: the connection stays open until the caller gives up. */
  hang?: boolean;
  /** Share of calls whose connection is closed without an answer (0..1): the caller sees ECONNRESET. */
  resetRate?: number;
}

export interface Faults {
  services: Partial<Record<SandboxService, ServiceFaults>>;
  /** Instances launched from these AMIs (or these instance ids) boot but their Node never turns Ready. */
  neverReadyImages: Set<string>;
  neverReadyInstances: Set<string>;
  /** Pods (namespace/name) that never finish terminating. */
  stuckPods: Set<string>;
  /** PDBs (namespace/name) whose disruptionsAllowed stays 0. */
  blockingPdbs: Set<string>;
  /** How many calls each service answered with an injected throttling error (tests count retries with it). */
  throttled: Partial<Record<SandboxService, number>>;
  /** How many calls each service left unanswered under the `hang` fault. */
  hung: Partial<Record<SandboxService, number>>;
  /** How many calls each simulated AWS service received, faults or not (tests assert a cache saved a call). */
  received: Partial<Record<SandboxService, number>>;
  /** How many calls each service cut off under the `resetRate` fault. */
  reset: Partial<Record<SandboxService, number>>;
}

export function emptyFaults(): Faults {
  return { services: {}, neverReadyImages: new Set(), neverReadyInstances: new Set(), stuckPods: new Set(), blockingPdbs: new Set(), throttled: {}, hung: {}, received: {}, reset: {} };
}

export interface MutationEntry {
  /** Virtual time. */
  at: number;
  service: SandboxService;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

/** Append-only record of every mutation the sandbox accepted, for safety-property assertions. */
export class MutationLog {
  readonly entries: MutationEntry[] = [];
  record(entry: MutationEntry): void {
    this.entries.push(entry);
  }
  find(filter: Partial<Pick<MutationEntry, 'service' | 'action' | 'target'>>): MutationEntry[] {
    return this.entries.filter(
      (e) =>
        (filter.service === undefined || e.service === filter.service) &&
        (filter.action === undefined || e.action === filter.action) &&
        (filter.target === undefined || e.target === filter.target),
    );
  }
}

/** Deterministic PRNG (mulberry32) for fault injection and generated data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
