/**
 * The rollout benchmark's scenario, built in code: one self-managed group of 50 outdated m5.large workers
 * in 3 AZs (17/17/16), boot 40 s + kubelet Ready 15 s, and 8 Deployments of 25 replicas (pod grace 30 s,
 * ready 11 s after scheduling) each with a PDB maxUnavailable 1, plus the two DaemonSets every node runs.
 * Returns the raw `aws.yaml` / `kubernetes.yaml` shapes, parsed by the sandbox's own scenario loaders.
 */
export interface BenchShape {
  nodes: number;
  workloads: number;
  replicas: number;
  bootSeconds: number;
  kubeletReadySeconds: number;
  containerStartSeconds: number;
  podStartupSeconds: number;
  graceSeconds: number;
  terminateSeconds: number;
}

export const BENCH_50: BenchShape = {
  nodes: 50,
  workloads: 8,
  replicas: 25,
  bootSeconds: 40,
  kubeletReadySeconds: 15,
  containerStartSeconds: 1,
  podStartupSeconds: 10,
  graceSeconds: 30,
  terminateSeconds: 10,
};

const ZONES = [
  { zone: 'us-east-1a', subnet: 'subnet-0a00000000000000a', cidr: '10.0.0.0/19', base: 0 },
  { zone: 'us-east-1b', subnet: 'subnet-0b00000000000000b', cidr: '10.0.32.0/19', base: 32 },
  { zone: 'us-east-1c', subnet: 'subnet-0c00000000000000c', cidr: '10.0.64.0/19', base: 64 },
];

export const BENCH_GROUP = 'eks-bench-workers';

export function benchScenario(shape: BenchShape = BENCH_50): { aws: Record<string, unknown>; kubernetes: Record<string, unknown> } {
  const instances = Array.from({ length: shape.nodes }, (_, n) => {
    const z = ZONES[n % 3]!;
    return {
      id: `i-0be${(n + 1).toString(16).padStart(14, '0')}`,
      availabilityZone: z.zone,
      privateIp: `10.0.${z.base + 1 + Math.floor(n / 3 / 200)}.${10 + (Math.floor(n / 3) % 200)}`,
      launchTemplateVersion: '1',
      launchedMinutesAgo: 10_000 + n,
    };
  });
  const aws = {
    region: 'us-east-1',
    accountId: '123456789012',
    terminateSeconds: shape.terminateSeconds,
    vpc: { id: 'vpc-0d3c4a7d00000001', cidr: '10.0.0.0/16' },
    subnets: ZONES.map((z) => ({ id: z.subnet, availabilityZone: z.zone, cidr: z.cidr })),
    images: [
      { id: 'ami-0old00000000000001', name: 'amazon-eks-node-1.29-v20240110', creationDate: '2024-01-10T00:00:00.000Z' },
      { id: 'ami-0new00000000000002', name: 'amazon-eks-node-1.29-v20251201', creationDate: '2025-12-01T00:00:00.000Z' },
    ],
    launchTemplates: [
      {
        id: 'lt-0a1b2c3d4e5f60002',
        name: BENCH_GROUP,
        defaultVersion: 1,
        versions: [
          { version: 1, imageId: 'ami-0old00000000000001', instanceType: 'm5.large', instanceProfileRole: 'eks-node' },
          { version: 2, imageId: 'ami-0new00000000000002', instanceType: 'm5.large', instanceProfileRole: 'eks-node' },
        ],
      },
    ],
    groups: [
      {
        name: BENCH_GROUP,
        launchTemplate: { id: 'lt-0a1b2c3d4e5f60002', version: '2' },
        minSize: shape.nodes,
        maxSize: shape.nodes + 10,
        desiredCapacity: shape.nodes,
        availabilityZones: ZONES.map((z) => z.zone),
        bootSeconds: shape.bootSeconds,
        tags: { 'deckhand:managed': 'true' },
        instances,
      },
    ],
  };
  const app = (k: number) => ({
    kind: 'Deployment',
    namespace: 'web',
    name: `svc-${k}`,
    replicas: shape.replicas,
    labels: { app: `svc-${k}` },
    containers: [{ name: 'app', image: `example/svc-${k}:2`, cpu: '100m', memory: '128Mi' }],
    terminationGracePeriodSeconds: shape.graceSeconds,
  });
  const kubernetes = {
    settings: { kubeletReadySeconds: shape.kubeletReadySeconds, containerStartSeconds: shape.containerStartSeconds, podStartupSeconds: shape.podStartupSeconds },
    namespaces: ['default', 'kube-system', 'web'],
    workloads: [
      { kind: 'DaemonSet', namespace: 'kube-system', name: 'aws-node', labels: { 'k8s-app': 'aws-node' }, containers: [{ name: 'aws-node', image: 'amazon-k8s-cni:v1.18.2', cpu: '25m', memory: '64Mi' }] },
      { kind: 'DaemonSet', namespace: 'kube-system', name: 'kube-proxy', labels: { 'k8s-app': 'kube-proxy' }, containers: [{ name: 'kube-proxy', image: 'kube-proxy:v1.29.3', cpu: '100m', memory: '64Mi' }] },
      ...Array.from({ length: shape.workloads }, (_, k) => app(k)),
    ],
    podDisruptionBudgets: Array.from({ length: shape.workloads }, (_, k) => ({ namespace: 'web', name: `svc-${k}`, matchLabels: { app: `svc-${k}` }, maxUnavailable: 1 })),
  };
  return { aws, kubernetes };
}

/**
 * Physical lower bound of replacing every node (stated in bench/rollout.ts and the report):
 *   nodeReady (boot + kubelet: no pod can move before a replacement node is Ready)
 * + (replicas - 1) * podReady (each workload's PDB lets one pod go at a time, and the next eviction waits
 *   until the previous replacement is Ready; every workload has a pod on old nodes at the start)
 * + grace (the last evicted pod still terminates before its node is empty)
 * + terminate (the emptied instance still has to go).
 */
export function lowerBoundSeconds(shape: BenchShape = BENCH_50): number {
  const podReady = shape.containerStartSeconds + shape.podStartupSeconds;
  return shape.bootSeconds + shape.kubeletReadySeconds + (shape.replicas - 1) * podReady + shape.graceSeconds + shape.terminateSeconds;
}
