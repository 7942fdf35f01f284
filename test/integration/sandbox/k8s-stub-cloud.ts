/** A tiny stand-in for the simulated AWS side (part C), enough to drive the cluster in its own tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudEvents, type CloudForCluster, type InstanceInfo, type VolumeModificationResult } from '../../../src/sandbox/contracts.js';

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
