/**
 * Kubernetes pod and workload port for the rollout: pods on a node, eviction through the Eviction
 * subresource (never a plain delete, except an approved force), PDB status, controller readiness
 * through owner references, and the scale of a Deployment (cluster-autoscaler).
 */
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  PolicyV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Pod,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import { ifFound } from './api-errors.js';
import { epochMs, readySince } from './conditions.js';
import type { LabelSelector } from './selectors.js';

export interface OwnerRef {
  kind: string;
  namespace: string;
  name: string;
}

export interface PodView {
  namespace: string;
  name: string;
  uid?: string;
  nodeName?: string;
  phase: string;
  ready: boolean;
  terminating: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Direct controller from ownerReferences (a ReplicaSet for a Deployment's pod). */
  owner?: OwnerRef;
  hasEmptyDir: boolean;
  graceSeconds: number;
  podIP?: string;
  /** Container ports by name (e.g. 'redis', 'sentinel'). */
  ports: Record<string, number>;
  /** status.startTime (the kubelet took the pod) and when Ready last turned True, epoch ms. */
  startedAt?: number;
  readySince?: number;
}

/** `namespace/name`: how the rollout keys pods in its state, audits and messages. */
export const podKey = (p: { namespace: string; name: string }) => `${p.namespace}/${p.name}`;

export function toPodView(pod: V1Pod): PodView {
  const namespace = pod.metadata?.namespace ?? 'default';
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
  const ports: Record<string, number> = {};
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name) ports[p.name] = p.containerPort;
  return {
    namespace,
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid,
    nodeName: pod.spec?.nodeName,
    phase: pod.status?.phase ?? 'Unknown',
    ready: (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    terminating: Boolean(pod.metadata?.deletionTimestamp),
    labels: { ...(pod.metadata?.labels ?? {}) },
    annotations: { ...(pod.metadata?.annotations ?? {}) },
    owner: owner ? { kind: owner.kind, namespace, name: owner.name } : undefined,
    hasEmptyDir: (pod.spec?.volumes ?? []).some((v) => v.emptyDir !== undefined),
    graceSeconds: pod.spec?.terminationGracePeriodSeconds ?? 30,
    podIP: pod.status?.podIP,
    ports,
    startedAt: epochMs(pod.status?.startTime),
    readySince: readySince(pod.status?.conditions),
  };
}

export async function listPods(kube: KubeConfig): Promise<PodView[]> {
  const list = await kube.makeApiClient(CoreV1Api).listPodForAllNamespaces({});
  return list.items.map(toPodView);
}

export type EvictionResult =
  | { outcome: 'evicted' }
  | { outcome: 'gone' }
  /** 429: a PDB forbids it now (or API rate limiting); retry with backoff. */
  | { outcome: 'blocked'; pdbs: string[]; message: string }
  /** 500: misconfiguration such as two PDBs selecting the pod; retrying will not help. */
  | { outcome: 'conflict'; message: string };

const BUDGET_CAUSE = /The disruption budget (\S+) needs/;

export async function evictPod(kube: KubeConfig, namespace: string, name: string): Promise<EvictionResult> {
  try {
    await kube.makeApiClient(CoreV1Api).createNamespacedPodEviction({
      name,
      namespace,
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
    });
    return { outcome: 'evicted' };
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    if (error.code === 404) return { outcome: 'gone' };
    const status = parseBody(error.body);
    const message = status.message ?? error.message;
    if (error.code === 429) {
      const pdbs = (status.details?.causes ?? []).flatMap((c) => BUDGET_CAUSE.exec(c.message ?? '')?.[1] ?? []);
      return { outcome: 'blocked', pdbs, message };
    }
    if (error.code === 500) return { outcome: 'conflict', message };
    throw error;
  }
}

interface StatusBody {
  message?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

function parseBody(body: unknown): StatusBody {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return (body ?? {}) as StatusBody;
}

/** Plain DELETE: bypasses PDBs. Only for a force an approver chose. A pod already gone is done. */
export async function deletePod(kube: KubeConfig, namespace: string, name: string): Promise<void> {
  await ifFound(kube.makeApiClient(CoreV1Api).deleteNamespacedPod({ name, namespace }));
}

export interface PdbView {
  namespace: string;
  name: string;
  /** Absent when the PDB has no selector (it then covers no pod). */
  selector?: LabelSelector;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  maxUnavailable?: string | number;
  minAvailable?: string | number;
}

export async function listPdbs(kube: KubeConfig): Promise<PdbView[]> {
  const list = await kube.makeApiClient(PolicyV1Api).listPodDisruptionBudgetForAllNamespaces({});
  return list.items.map((p) => ({
    namespace: p.metadata?.namespace ?? 'default',
    name: p.metadata?.name ?? '',
    selector: p.spec?.selector ? { matchLabels: { ...(p.spec.selector.matchLabels ?? {}) }, matchExpressions: (p.spec.selector.matchExpressions ?? []).map((e) => ({ key: e.key, operator: e.operator, values: e.values })) } : undefined,
    disruptionsAllowed: p.status?.disruptionsAllowed ?? 0,
    currentHealthy: p.status?.currentHealthy ?? 0,
    desiredHealthy: p.status?.desiredHealthy ?? 0,
    expectedPods: p.status?.expectedPods ?? 0,
    maxUnavailable: p.spec?.maxUnavailable,
    minAvailable: p.spec?.minAvailable,
  }));
}

export interface WorkloadView extends OwnerRef {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  /** True when the controller has seen the latest spec (status.observedGeneration). */
  observed: boolean;
}

/**
 * Deployments, StatefulSets and DaemonSets with their readiness, plus ReplicaSet -> Deployment ownership. Four API
 * calls: `each` wraps every one (a caller's retry), so a throttled list is retried alone — retrying all four as one
 * would need four successes in the same attempt and re-read the lists that had already arrived.
 */
export async function listWorkloads(
  kube: KubeConfig,
  each: <T>(call: () => Promise<T>) => Promise<T> = (call) => call(),
): Promise<{ workloads: WorkloadView[]; replicaSetOwners: Map<string, OwnerRef> }> {
  const apps = kube.makeApiClient(AppsV1Api);
  const [deployments, statefulSets, daemonSets, replicaSets] = await Promise.all([
    each(() => apps.listDeploymentForAllNamespaces({})),
    each(() => apps.listStatefulSetForAllNamespaces({})),
    each(() => apps.listDaemonSetForAllNamespaces({})),
    each(() => apps.listReplicaSetForAllNamespaces({})),
  ]);
  const view = (kind: string, meta: { namespace?: string; name?: string; generation?: number } | undefined, observedGeneration: number | undefined, replicas: number, ready: number, available: number): WorkloadView => ({
    kind,
    namespace: meta?.namespace ?? 'default',
    name: meta?.name ?? '',
    replicas,
    readyReplicas: ready,
    availableReplicas: available,
    observed: (observedGeneration ?? 0) >= (meta?.generation ?? 0),
  });
  const workloads = [
    ...deployments.items.map((d) => view('Deployment', d.metadata, d.status?.observedGeneration, d.spec?.replicas ?? 1, d.status?.readyReplicas ?? 0, d.status?.availableReplicas ?? 0)),
    ...statefulSets.items.map((s) => view('StatefulSet', s.metadata, s.status?.observedGeneration, s.spec?.replicas ?? 1, s.status?.readyReplicas ?? 0, s.status?.availableReplicas ?? s.status?.readyReplicas ?? 0)),
    ...daemonSets.items.map((d) => view('DaemonSet', d.metadata, d.status?.observedGeneration, d.status?.desiredNumberScheduled ?? 0, d.status?.numberReady ?? 0, d.status?.numberAvailable ?? 0)),
  ];
  return { workloads, replicaSetOwners: replicaSetOwners(replicaSets.items) };
}

function replicaSetOwners(replicaSets: V1ReplicaSet[]): Map<string, OwnerRef> {
  const owners = new Map<string, OwnerRef>();
  for (const rs of replicaSets) {
    const namespace = rs.metadata?.namespace ?? 'default';
    const owner = rs.metadata?.ownerReferences?.find((o) => o.controller);
    if (owner) owners.set(`${namespace}/${rs.metadata?.name}`, { kind: owner.kind, namespace, name: owner.name });
  }
  return owners;
}

/** The pod's top controller: a ReplicaSet is resolved to its Deployment when it has one. */
export function topController(pod: PodView, replicaSetOwners: Map<string, OwnerRef>): OwnerRef | undefined {
  if (!pod.owner) return undefined;
  if (pod.owner.kind === 'ReplicaSet') return replicaSetOwners.get(`${pod.owner.namespace}/${pod.owner.name}`) ?? pod.owner;
  return pod.owner;
}

export async function readDeploymentReplicas(kube: KubeConfig, namespace: string, name: string): Promise<number | undefined> {
  const deployment = await ifFound(kube.makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace }));
  return deployment && (deployment.spec?.replicas ?? 1);
}

export async function scaleDeployment(kube: KubeConfig, namespace: string, name: string, replicas: number): Promise<void> {
  await kube
    .makeApiClient(AppsV1Api)
    .patchNamespacedDeployment({ name, namespace, body: { spec: { replicas } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
}
