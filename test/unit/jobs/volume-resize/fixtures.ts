/** Observed-state builders for the pure planner tests (shapes as observe.ts produces them). */
import type { ObservedClaim, ResizeArgs, ResizeObserved } from '../../../../src/jobs/volume-resize/types.js';
import { resizeSettingsSchema, type ResizeSettings } from '../../../../src/jobs/volume-resize/settings.js';
import { parseSizeRequest } from '../../../../src/jobs/volume-resize/sizes.js';

export const NOW = Date.parse('2026-01-05T09:00:00Z');
export const HOUR = 3_600_000;

/** Settings as the config hands them over: `raw` is what the policy file says. */
export const settings = (raw: object = {}): ResizeSettings => resizeSettingsSchema.parse(raw);

export function claim(overrides: Partial<ObservedClaim> = {}): ObservedClaim {
  return {
    namespace: 'data',
    name: 'redis-data-redis-ha-0',
    phase: 'Bound',
    request: '10Gi',
    capacity: '10Gi',
    storageClassName: 'gp3',
    storageProvisioner: 'ebs.csi.aws.com',
    conditions: [],
    storageClass: { name: 'gp3', provisioner: 'ebs.csi.aws.com', allowVolumeExpansion: true },
    pv: { name: 'pvc-redis-0', capacity: '10Gi', driver: 'ebs.csi.aws.com', volumeId: 'vol-0000000000000a001' },
    ebs: { volumeId: 'vol-0000000000000a001', sizeGiB: 10, volumeType: 'gp3', availabilityZone: 'us-east-1a', state: 'in-use' },
    modifications: [],
    recordedModifications: [],
    pods: [{ name: 'redis-ha-0', uid: 'uid-redis-ha-0', nodeName: 'ip-10-0-1-23.ec2.internal', controller: { kind: 'StatefulSet', name: 'redis-ha' } }],
    ...overrides,
  };
}

/** The in-tree gp2 claim of data/postgres (offline expansion). */
export function gp2Claim(overrides: Partial<ObservedClaim> = {}): ObservedClaim {
  return claim({
    name: 'pgdata-postgres-0',
    request: '20Gi',
    capacity: '20Gi',
    storageClassName: 'gp2',
    storageClass: { name: 'gp2', provisioner: 'kubernetes.io/aws-ebs', allowVolumeExpansion: true },
    pv: { name: 'pvc-pg-0', capacity: '20Gi', driver: 'ebs.csi.aws.com', migratedTo: 'ebs.csi.aws.com', volumeId: 'vol-0000000000000a003' },
    ebs: { volumeId: 'vol-0000000000000a003', sizeGiB: 20, volumeType: 'gp2', availabilityZone: 'us-east-1a', state: 'in-use' },
    pods: [{ name: 'postgres-0', uid: 'uid-postgres-0', controller: { kind: 'StatefulSet', name: 'postgres' } }],
    ...overrides,
  });
}

export function esClaim(ordinal: number, overrides: Partial<ObservedClaim> = {}): ObservedClaim {
  const volumeId = `vol-0000000000000a00${4 + ordinal}`;
  return claim({
    namespace: 'search',
    name: `data-es-${ordinal}`,
    request: '50Gi',
    capacity: '50Gi',
    pv: { name: `pvc-es-${ordinal}`, capacity: '50Gi', driver: 'ebs.csi.aws.com', volumeId },
    ebs: { volumeId, sizeGiB: 50, volumeType: 'gp3', availabilityZone: ['us-east-1a', 'us-east-1b', 'us-east-1c'][ordinal]!, state: 'in-use' },
    pods: [{ name: `es-${ordinal}`, uid: `uid-es-${ordinal}`, controller: { kind: 'StatefulSet', name: 'es' } }],
    ...overrides,
  });
}

export function observed(claims: ObservedClaim[], overrides: Partial<ResizeObserved> = {}): ResizeObserved {
  return {
    region: 'us-east-1',
    namespace: claims[0]?.namespace ?? 'data',
    target: { kind: 'pvc', name: claims[0]?.name ?? 'missing' },
    claims,
    prices: { gp2: 0.1, gp3: 0.08, st1: 0.045 },
    ...overrides,
  };
}

export function stsObserved(claims: ObservedClaim[], templateStorage = '50Gi'): ResizeObserved {
  return observed(claims, {
    namespace: 'search',
    target: { kind: 'statefulset', name: 'es' },
    statefulSet: { name: 'es', replicas: 3, templates: [{ name: 'data', storage: templateStorage }] },
  });
}

export function args(target: string, size: string): ResizeArgs {
  const [namespace, ...rest] = target.split('/');
  const kind = rest.length === 2 ? 'statefulset' : 'pvc';
  return { namespace: namespace!, target: { kind, name: rest[rest.length - 1]! }, size: parseSizeRequest(size)!, sizeText: size, dryRun: false };
}
