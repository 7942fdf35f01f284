/** Turns a scenario's compact workload description into pod templates and controller objects. */
import { createHash } from 'node:crypto';
import type { WorkloadSpec } from './scenario.js';
import type { OwnerReference, PodSpec, PodTemplate, WorkloadObject } from './objects.js';

export function podTemplate(spec: WorkloadSpec): PodTemplate {
  const podSpec: PodSpec = {
    containers: spec.containers.map((c) => ({
      name: c.name,
      image: c.image,
      ports: c.ports.map((p) => ({ ...p, protocol: 'TCP' })),
      resources: { requests: { cpu: c.cpu, memory: c.memory } },
    })),
    volumes: spec.volumes.map((v) =>
      'claimName' in v ? { name: v.name, persistentVolumeClaim: { claimName: v.claimName } } : { name: v.name, emptyDir: v.emptyDir },
    ),
    tolerations: spec.tolerations,
    nodeSelector: spec.nodeSelector,
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
  };
  return { metadata: { labels: { ...spec.labels }, annotations: { ...spec.annotations } }, spec: podSpec };
}

/** Stable short hash, like the pod-template-hash / controller-revision-hash labels. */
export function templateHash(text: string, length = 10): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const digest = createHash('sha256').update(text).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[digest[i]! % alphabet.length];
  return out;
}

export function ownerRef(owner: WorkloadObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}
