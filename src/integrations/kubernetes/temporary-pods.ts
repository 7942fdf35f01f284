/**
 * Kubernetes port for pods a procedure creates itself (a temporary Redis replica): the owning StatefulSet's
 * pod template, and a create that treats "already exists" as done, so a resumed run never makes a second pod.
 */
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Pod, type V1PodTemplateSpec } from '@kubernetes/client-node';
import { hasStatus, ifFound } from './api-errors.js';

export interface StatefulSetTemplate {
  template: V1PodTemplateSpec;
  /** Names of the volume claim templates: the StatefulSet controller adds these volumes to each pod. */
  claimNames: string[];
}

export async function readStatefulSetTemplate(kube: KubeConfig, namespace: string, name: string): Promise<StatefulSetTemplate | undefined> {
  const sts = await ifFound(kube.makeApiClient(AppsV1Api).readNamespacedStatefulSet({ name, namespace }));
  if (!sts?.spec) return undefined;
  return { template: sts.spec.template, claimNames: (sts.spec.volumeClaimTemplates ?? []).flatMap((c) => c.metadata?.name ?? []) };
}

export async function createPod(kube: KubeConfig, pod: V1Pod): Promise<'created' | 'exists'> {
  try {
    await kube.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: pod.metadata!.namespace!, body: pod });
    return 'created';
  } catch (error) {
    if (hasStatus(error, 409)) return 'exists';
    throw error;
  }
}
