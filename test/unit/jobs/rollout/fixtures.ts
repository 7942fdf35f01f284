/** A small observed world shaped like the default sandbox scenario: eks-prod-workers, 6 nodes on version 1. */
import type { ObservedInstance, ObservedNode, ObservedPdb, ObservedPod, ObservedWorkload, RolloutArgs, RolloutObserved } from '../../../../src/jobs/rollout/types.js';

export const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

export function instance(n: number, az: string, version = '1'): ObservedInstance {
  return {
    instanceId: `i-0old${String(n).padStart(12, '0')}`,
    availabilityZone: az,
    lifecycleState: 'InService',
    healthStatus: 'Healthy',
    launchTemplateId: 'lt-0a1b2c3d4e5f60001',
    launchTemplateVersion: version,
    imageId: version === '1' ? 'ami-0old00000000000001' : 'ami-0new00000000000002',
  };
}

export function nodeFor(i: ObservedInstance, n: number): ObservedNode {
  return {
    name: `ip-10-0-${n}-10.ec2.internal`,
    instanceId: i.instanceId,
    zone: i.availabilityZone,
    ready: true,
    unschedulable: false,
    taints: [],
    labels: { 'eks.amazonaws.com/nodegroup': 'eks-prod-workers' },
    annotations: {},
    allocatablePods: 29,
  };
}

export function pod(namespace: string, name: string, nodeName: string, extra: Partial<ObservedPod> = {}): ObservedPod {
  return { namespace, name, nodeName, phase: 'Running', ready: true, labels: {}, annotations: {}, hasEmptyDir: false, graceSeconds: 30, ...extra };
}

export function deployment(namespace: string, name: string) {
  return { kind: 'Deployment', namespace, name };
}

export function pdb(namespace: string, name: string, matchLabels: Record<string, string>, extra: Partial<ObservedPdb> = {}): ObservedPdb {
  return { namespace, name, selector: { matchLabels }, disruptionsAllowed: 1, currentHealthy: 6, desiredHealthy: 5, expectedPods: 6, maxUnavailable: 1, ...extra };
}

export function workload(kind: string, namespace: string, name: string, replicas: number): ObservedWorkload {
  return { kind, namespace, name, replicas, readyReplicas: replicas, availableReplicas: replicas };
}

/** Six outdated nodes, two per AZ; web/api (6 pods, PDB maxUnavailable 1) one per node; an aws-node DaemonSet pod per node. */
export function defaultObserved(): RolloutObserved {
  const instances = AZS.flatMap((az, z) => [instance(z * 2 + 1, az), instance(z * 2 + 2, az)]);
  const nodes = instances.map((i, n) => nodeFor(i, n + 1));
  const pods: ObservedPod[] = nodes.flatMap((node, n) => [
    pod('web', `api-${n}`, node.name, { labels: { app: 'api' }, controller: deployment('web', 'api') }),
    pod('kube-system', `aws-node-${n}`, node.name, { controller: { kind: 'DaemonSet', namespace: 'kube-system', name: 'aws-node' } }),
  ]);
  return {
    group: {
      name: 'eks-prod-workers',
      minSize: 3,
      maxSize: 9,
      desiredCapacity: 6,
      launchTemplate: { id: 'lt-0a1b2c3d4e5f60001', name: 'eks-prod-workers', version: '2' },
      suspendedProcesses: [],
      tags: { 'deckhand:managed': 'true' },
      instances,
    },
    target: { launchTemplateId: 'lt-0a1b2c3d4e5f60001', version: '2', imageId: 'ami-0new00000000000002', groupVersion: '2' },
    nodes,
    pods,
    pdbs: [pdb('web', 'api', { app: 'api' })],
    workloads: [workload('Deployment', 'web', 'api', 6), workload('DaemonSet', 'kube-system', 'aws-node', 6)],
    launches: [],
  };
}

export function args(extra: Partial<RolloutArgs> = {}): RolloutArgs {
  return { group: 'eks-prod-workers', canary: false, dryRun: false, ...extra };
}
