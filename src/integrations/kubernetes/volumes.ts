/**
 * Kubernetes port for volume expansion: read PVCs, PVs, StorageClasses and the pods using a claim,
 * merge-patch a claim's storage request and read its events. (Evictions go through pods.ts.)
 */
import {
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  StorageV1Api,
  setHeaderOptions,
  type CoreV1Event,
  type KubeConfig,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1StatefulSet,
  type V1StorageClass,
} from '@kubernetes/client-node';
import { ifFound } from './api-errors.js';

export function readPvc(kube: KubeConfig, namespace: string, name: string): Promise<V1PersistentVolumeClaim | undefined> {
  return ifFound(kube.makeApiClient(CoreV1Api).readNamespacedPersistentVolumeClaim({ namespace, name }));
}

export function readPv(kube: KubeConfig, name: string): Promise<V1PersistentVolume | undefined> {
  return ifFound(kube.makeApiClient(CoreV1Api).readPersistentVolume({ name }));
}

export function readStorageClass(kube: KubeConfig, name: string): Promise<V1StorageClass | undefined> {
  return ifFound(kube.makeApiClient(StorageV1Api).readStorageClass({ name }));
}

export function readStatefulSet(kube: KubeConfig, namespace: string, name: string): Promise<V1StatefulSet | undefined> {
  return ifFound(kube.makeApiClient(AppsV1Api).readNamespacedStatefulSet({ namespace, name }));
}

/**
 * Claims created from a StatefulSet's template are named `<template>-<statefulset>-<ordinal>`; claims of
 * scaled-down ordinals stay and are reused on scale-up, so they are included. Sorted by ordinal.
 */
export async function listStatefulSetPvcs(kube: KubeConfig, namespace: string, statefulSet: string, template: string): Promise<V1PersistentVolumeClaim[]> {
  const prefix = `${template}-${statefulSet}-`;
  const list = await kube.makeApiClient(CoreV1Api).listNamespacedPersistentVolumeClaim({ namespace });
  const ordinal = (pvc: V1PersistentVolumeClaim) => Number((pvc.metadata?.name ?? '').slice(prefix.length));
  return list.items
    .filter((pvc) => {
      const name = pvc.metadata?.name ?? '';
      return name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length));
    })
    .sort((a, b) => ordinal(a) - ordinal(b));
}

/** The namespace's claims whose labels match `selector` (`key=value[,key=value]`), by name. */
export async function listPvcsBySelector(kube: KubeConfig, namespace: string, selector: string): Promise<V1PersistentVolumeClaim[]> {
  const list = await kube.makeApiClient(CoreV1Api).listNamespacedPersistentVolumeClaim({ namespace, labelSelector: selector });
  return list.items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/** Pods (not yet finished) that mount the claim. */
export async function listPodsUsingPvc(kube: KubeConfig, namespace: string, pvc: string): Promise<V1Pod[]> {
  const list = await kube.makeApiClient(CoreV1Api).listNamespacedPod({ namespace });
  return list.items.filter(
    (pod) =>
      pod.status?.phase !== 'Succeeded' &&
      pod.status?.phase !== 'Failed' &&
      (pod.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === pvc),
  );
}

/** Merge-patch only `spec.resources.requests.storage` (never the PV: editing it skips the real resize). */
export function patchPvcSize(kube: KubeConfig, namespace: string, name: string, storage: string): Promise<V1PersistentVolumeClaim> {
  return kube
    .makeApiClient(CoreV1Api)
    .patchNamespacedPersistentVolumeClaim(
      { namespace, name, body: { spec: { resources: { requests: { storage } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
}

/** When an event last happened (`lastTimestamp`, else `eventTime` for events.k8s.io writers, else `firstTimestamp`), in ms. */
export function eventTimeMs(e: CoreV1Event): number {
  return new Date(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? 0).getTime();
}

/** Events about the claim, oldest first. The field selector narrows the list; the filter keeps it right if a server ignores it. */
export async function listPvcEvents(kube: KubeConfig, namespace: string, pvc: string): Promise<CoreV1Event[]> {
  const list = await kube.makeApiClient(CoreV1Api).listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.kind=PersistentVolumeClaim,involvedObject.name=${pvc}`,
  });
  return list.items
    .filter((e) => e.involvedObject.kind === 'PersistentVolumeClaim' && e.involvedObject.name === pvc)
    .sort((a, b) => eventTimeMs(a) - eventTimeMs(b));
}
