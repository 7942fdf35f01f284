/**
 * The cluster half of a sandbox scenario (`<dir>/kubernetes.yaml`). Nodes are not listed: they come from the
 * cloud's instances. Workloads are described compactly; the model expands them into real-looking objects.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

const labels = z.record(z.string(), z.string());

const container = z.object({
  name: z.string(),
  image: z.string(),
  cpu: z.string().default('100m'),
  memory: z.string().default('128Mi'),
  ports: z.array(z.object({ name: z.string(), containerPort: z.number().int() })).default([]),
});

const volume = z.union([
  z.object({ name: z.string(), claimName: z.string() }),
  z.object({ name: z.string(), emptyDir: z.object({}).default({}) }),
]);

const toleration = z.object({
  key: z.string().optional(),
  operator: z.enum(['Equal', 'Exists']).default('Equal'),
  value: z.string().optional(),
  effect: z.string().optional(),
});

const workload = z.object({
  kind: z.enum(['Deployment', 'StatefulSet', 'DaemonSet', 'Pod']),
  namespace: z.string(),
  name: z.string(),
  replicas: z.number().int().min(0).default(1),
  labels,
  annotations: labels.default({}),
  containers: z.array(container).min(1),
  volumes: z.array(volume).default([]),
  /** StatefulSet: claim template names; pod N uses PVC `<template>-<name>-<N>` from `persistentVolumeClaims`. */
  volumeClaimTemplates: z.array(z.string()).default([]),
  tolerations: z.array(toleration).default([]),
  nodeSelector: labels.default({}),
  terminationGracePeriodSeconds: z.number().int().min(0).default(30),
});

const storageClass = z.object({
  name: z.string(),
  provisioner: z.string(),
  allowVolumeExpansion: z.boolean().default(false),
  /** Sandbox model of the CSI driver: online = kubelet grows the filesystem while mounted; offline = needs a pod restart. */
  expansion: z.enum(['online', 'offline']).default('online'),
  parameters: labels.default({}),
  isDefault: z.boolean().default(false),
});

const pvc = z.object({
  namespace: z.string(),
  name: z.string(),
  storageClass: z.string(),
  size: z.string(),
  volumeId: z.string(),
  /** Fallback when the cloud does not know the volume. */
  zone: z.string().optional(),
});

const pdb = z
  .object({
    namespace: z.string(),
    name: z.string(),
    matchLabels: labels,
    matchExpressions: z.array(z.object({ key: z.string(), operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']), values: z.array(z.string()).optional() })).optional(),
    minAvailable: z.union([z.number().int(), z.string()]).optional(),
    maxUnavailable: z.union([z.number().int(), z.string()]).optional(),
  })
  .refine((p) => (p.minAvailable === undefined) !== (p.maxUnavailable === undefined), {
    message: 'exactly one of minAvailable and maxUnavailable',
  });

const secret = z.object({
  namespace: z.string(),
  name: z.string(),
  /** Plain values (the API server serves them base64-encoded under `data`). */
  stringData: labels,
});

const sentinelGroup = z.object({
  masterName: z.string(),
  /** A Secret in the StatefulSet's namespace whose `password` the data pods require (requirepass, masterauth). */
  authSecret: z.string().optional(),
  /** namespace/name of the StatefulSet whose ordinal 0 starts as master. */
  statefulSet: z.string(),
  /** namespace/name of the Deployment running the Sentinels. */
  sentinels: z.string(),
  quorum: z.number().int().default(2),
  downAfterMs: z.number().int().default(2000),
  failoverTimeoutMs: z.number().int().default(10000),
});

const redisCluster = z.object({
  /** namespace/name of the StatefulSet; ordinals 0..primaries-1 are primaries, the rest replicate them in turn. */
  statefulSet: z.string(),
  primaries: z.number().int().min(1).default(3),
});

export const clusterScenarioSchema = z.object({
  settings: z
    .object({
      kubeletReadySeconds: z.number().min(0).default(15),
      containerStartSeconds: z.number().min(0).default(1),
      podStartupSeconds: z.number().min(0).default(10),
      kubernetesVersion: z.string().default('v1.29.6-eks-1552ad0'),
    })
    .prefault({}),
  namespaces: z.array(z.string()).default(['default', 'kube-system']),
  storageClasses: z.array(storageClass).default([]),
  persistentVolumeClaims: z.array(pvc).default([]),
  workloads: z.array(workload).default([]),
  podDisruptionBudgets: z.array(pdb).default([]),
  secrets: z.array(secret).default([]),
  redis: z
    .object({ sentinel: z.array(sentinelGroup).default([]), clusters: z.array(redisCluster).default([]) })
    .prefault({}),
});

export type ClusterScenario = z.infer<typeof clusterScenarioSchema>;
export type WorkloadSpec = ClusterScenario['workloads'][number];
export type SentinelGroupSpec = ClusterScenario['redis']['sentinel'][number];
export type RedisClusterSpec = ClusterScenario['redis']['clusters'][number];

export function parseClusterScenario(raw: unknown): ClusterScenario {
  return clusterScenarioSchema.parse(raw);
}

export function loadClusterScenario(dir: string): ClusterScenario {
  const file = join(dir, 'kubernetes.yaml');
  const result = clusterScenarioSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!result.success) throw new Error(`invalid cluster scenario ${file}: ${z.prettifyError(result.error)}`);
  return result.data;
}
