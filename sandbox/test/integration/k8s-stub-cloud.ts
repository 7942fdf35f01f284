/** A tiny stand-in for the simulated AWS side (part C), enough to drive the cluster in its own tests. */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../src/clock.js';
import { startCluster, type ClusterScenario } from '../../src/cluster/index.js';
import { CloudEvents, emptyFaults, MutationLog, type CloudForCluster, type InstanceInfo, type VolumeModificationResult } from '../../src/contracts.js';

interface StubVolume {
  volumeId: string;
  sizeGiB: number;
  volumeType: string;
  availabilityZone: string;
}

export class StubCloud implements CloudForCluster {
  readonly events = new CloudEvents();
  readonly volumes = new Map<string, StubVolume>();
  readonly modifications: { volumeId: string; sizeGiB: number }[] = [];
  private readonly failures = new Map<string, { code: string; message: string }>();

  constructor(volumes: StubVolume[] = []) {
    for (const v of volumes) this.volumes.set(v.volumeId, { ...v });
  }

  /** The next ModifyVolume on this volume fails with this EBS error. */
  failNext(volumeId: string, code: string, message: string): void {
    this.failures.set(volumeId, { code, message });
  }

  modifyVolume(volumeId: string, sizeGiB: number): VolumeModificationResult {
    this.modifications.push({ volumeId, sizeGiB });
    const failure = this.failures.get(volumeId);
    if (failure) {
      this.failures.delete(volumeId);
      return { ok: false, ...failure };
    }
    const volume = this.volumes.get(volumeId);
    if (!volume) return { ok: false, code: 'InvalidVolume.NotFound', message: `The volume '${volumeId}' does not exist.` };
    volume.sizeGiB = sizeGiB;
    return { ok: true, modificationState: 'optimizing' };
  }

  volume(volumeId: string): StubVolume | undefined {
    return this.volumes.get(volumeId);
  }
}

export function instance(n: number, availabilityZone: string, group: string, imageId = 'ami-0old00000000000001'): InstanceInfo {
  const privateIp = `10.0.${n}.${10 + n}`;
  return {
    instanceId: `i-0${String(n).padStart(16, '0')}`,
    availabilityZone,
    privateIp,
    privateDnsName: `ip-${privateIp.replace(/\./g, '-')}.ec2.internal`,
    imageId,
    instanceType: 'm5.large',
    autoScalingGroupName: group,
    nodeLabels: { 'eks.amazonaws.com/nodegroup': group },
  };
}

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'dh-k8s-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** One instance per zone letter (`'abcabc'`), numbered from 1, all in `group`. */
export function instances(group: string, zones: string): InstanceInfo[] {
  return [...zones].map((az, i) => instance(i + 1, `us-east-1${az}`, group));
}

/** The EBS volumes of the default scenario's PersistentVolumes. */
export const DEFAULT_VOLUMES: StubVolume[] = [
  { volumeId: 'vol-0000000000000a001', sizeGiB: 10, volumeType: 'gp3', availabilityZone: 'us-east-1a' },
  { volumeId: 'vol-0000000000000a002', sizeGiB: 10, volumeType: 'gp3', availabilityZone: 'us-east-1b' },
  { volumeId: 'vol-0000000000000a003', sizeGiB: 20, volumeType: 'gp2', availabilityZone: 'us-east-1a' },
  { volumeId: 'vol-0000000000000a004', sizeGiB: 50, volumeType: 'gp3', availabilityZone: 'us-east-1a' },
  { volumeId: 'vol-0000000000000a005', sizeGiB: 50, volumeType: 'gp3', availabilityZone: 'us-east-1b' },
  { volumeId: 'vol-0000000000000a006', sizeGiB: 50, volumeType: 'gp3', availabilityZone: 'us-east-1c' },
  { volumeId: 'vol-0000000000000a007', sizeGiB: 500, volumeType: 'st1', availabilityZone: 'us-east-1c' },
];

/**
 * The cluster on its own virtual clock, against a StubCloud holding `volumes`, with `instances` registered
 * as Ready nodes, and a kubeconfig for it. `stop()` stops the cluster and the clock and removes the data dir.
 */
export async function startStubCluster(options: { scenario: ClusterScenario; instances: InstanceInfo[]; volumes?: StubVolume[]; redis?: boolean }) {
  const clock = new VirtualClock(Date.parse('2026-01-05T09:00:00Z'), 0);
  const log = new MutationLog();
  const faults = emptyFaults();
  const cloud = new StubCloud(options.volumes);
  const dir = tempDir();
  const cluster = await startCluster({ clock, faults, log, cloud, scenario: options.scenario, dataDir: dir.path, redis: options.redis, initialInstances: options.instances });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(cluster.kubeconfigPath);
  return {
    clock,
    log,
    faults,
    cloud,
    cluster,
    instances: options.instances,
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    stop: async () => {
      await cluster.stop();
      clock.stop();
      dir.remove();
    },
  };
}

export type StubClusterEnv = Awaited<ReturnType<typeof startStubCluster>>;
