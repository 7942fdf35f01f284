/**
 * Kubernetes Node port for the rollout: list nodes, map them to EC2 instances by providerID,
 * taint/untaint, label, annotate, cordon. Patches are JSON merge patches; list-valued fields
 * (taints) are written with the read resourceVersion so a concurrent writer makes us re-read, not clobber.
 */
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Node, type V1Taint } from '@kubernetes/client-node';
import { hasStatus, ifFound } from './api-errors.js';
import { readySince } from './conditions.js';

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** `aws:///us-east-1a/i-0abc` -> `i-0abc`. */
export function instanceIdFromProviderId(providerId: string | undefined): string | undefined {
  const match = /^aws:\/\/\/[^/]*\/(i-[0-9a-z]+)$/.exec(providerId ?? '');
  return match?.[1];
}

export interface NodeView {
  name: string;
  instanceId?: string;
  zone?: string;
  ready: boolean;
  unschedulable: boolean;
  taints: { key: string; effect: string; value?: string }[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** status.allocatable.pods */
  allocatablePods?: number;
  /** When the Ready condition last turned True (epoch ms), while it is True. */
  readySince?: number;
}

export function toNodeView(node: V1Node): NodeView {
  const pods = node.status?.allocatable?.pods;
  return {
    name: node.metadata?.name ?? '',
    instanceId: instanceIdFromProviderId(node.spec?.providerID),
    zone: node.metadata?.labels?.['topology.kubernetes.io/zone'],
    ready: (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    unschedulable: node.spec?.unschedulable === true,
    taints: (node.spec?.taints ?? []).map((t) => ({ key: t.key, effect: t.effect, value: t.value })),
    labels: { ...(node.metadata?.labels ?? {}) },
    annotations: { ...(node.metadata?.annotations ?? {}) },
    allocatablePods: pods === undefined ? undefined : Number(pods),
    readySince: readySince(node.status?.conditions),
  };
}

export async function listNodes(kube: KubeConfig, labelSelector?: string): Promise<NodeView[]> {
  const list = await kube.makeApiClient(CoreV1Api).listNode({ labelSelector });
  return list.items.map(toNodeView);
}

function readNode(kube: KubeConfig, name: string): Promise<V1Node | undefined> {
  return ifFound(kube.makeApiClient(CoreV1Api).readNode({ name }));
}

function patchNode(kube: KubeConfig, name: string, body: object): Promise<V1Node> {
  return kube.makeApiClient(CoreV1Api).patchNode({ name, body }, merge);
}

/** Rewrite the taint list from a fresh read; retried on a 409 (someone else changed the node). False when the node is gone. */
async function updateTaints(kube: KubeConfig, name: string, change: (taints: V1Taint[]) => V1Taint[] | undefined): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const node = await readNode(kube, name);
    if (!node) return false;
    const next = change(node.spec?.taints ?? []);
    if (!next) return true;
    try {
      await patchNode(kube, name, { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints: next } });
      return true;
    } catch (error) {
      if (hasStatus(error, 404)) return false;
      if (!hasStatus(error, 409) || attempt >= 4) throw error;
    }
  }
}

/** Idempotent: a node that already has the taint is left alone. */
export function addTaint(kube: KubeConfig, name: string, taint: { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }): Promise<boolean> {
  return updateTaints(kube, name, (taints) => (taints.some((t) => t.key === taint.key && t.effect === taint.effect) ? undefined : [...taints, taint]));
}

export function removeTaint(kube: KubeConfig, name: string, key: string): Promise<boolean> {
  return updateTaints(kube, name, (taints) => (taints.some((t) => t.key === key) ? taints.filter((t) => t.key !== key) : undefined));
}

/** Set labels; a null value removes the label. False when the node is gone. */
export async function setNodeLabels(kube: KubeConfig, name: string, labels: Record<string, string | null>): Promise<boolean> {
  return patchOrGone(kube, name, { metadata: { labels } });
}

/** Set annotations; a null value removes the annotation. False when the node is gone. */
export async function setNodeAnnotations(kube: KubeConfig, name: string, annotations: Record<string, string | null>): Promise<boolean> {
  return patchOrGone(kube, name, { metadata: { annotations } });
}

export async function setUnschedulable(kube: KubeConfig, name: string, unschedulable: boolean): Promise<boolean> {
  return patchOrGone(kube, name, { spec: { unschedulable } });
}

async function patchOrGone(kube: KubeConfig, name: string, body: object): Promise<boolean> {
  return (await ifFound(patchNode(kube, name, body))) !== undefined;
}
