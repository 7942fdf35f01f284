/** Creates a scenario's objects in the model: namespaces, storage classes, bound PV/PVC pairs, workloads, PDBs, Secrets. */
import type { CloudForCluster } from '../contracts.js';
import type { ClusterModel } from './model.js';
import type { ClusterScenario } from './scenario.js';
import type { NamespaceObject, PdbObject, PodObject, PvcObject, PvObject, SecretObject, StorageClassObject, WorkloadObject } from './objects.js';
import { parseQuantity } from './quantity.js';
import { podTemplate } from './templates.js';

export function seedCluster(model: ClusterModel, scenario: ClusterScenario, cloud: CloudForCluster): void {
  const namespaces = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease', ...scenario.namespaces]);
  for (const name of namespaces) {
    model.create<NamespaceObject>({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }
  for (const sc of scenario.storageClasses) {
    model.create<StorageClassObject>({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: {
        name: sc.name,
        annotations: sc.isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {},
      },
      provisioner: sc.provisioner,
      parameters: sc.parameters,
      allowVolumeExpansion: sc.allowVolumeExpansion,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
  }
  for (const claim of scenario.persistentVolumeClaims) seedVolume(model, claim, cloud);
  for (const secret of scenario.secrets) {
    const data = Object.fromEntries(Object.entries(secret.stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    model.create<SecretObject>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: secret.name, namespace: secret.namespace }, type: 'Opaque', data });
  }
  for (const w of scenario.workloads) seedWorkload(model, w, scenario.persistentVolumeClaims);
  for (const p of scenario.podDisruptionBudgets) {
    model.create<PdbObject>({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: p.name, namespace: p.namespace, generation: 1 },
      spec: {
        selector: { matchLabels: p.matchLabels, ...(p.matchExpressions ? { matchExpressions: p.matchExpressions } : {}) },
        ...(p.minAvailable !== undefined ? { minAvailable: p.minAvailable } : { maxUnavailable: p.maxUnavailable }),
      },
      status: { observedGeneration: 1, disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
    });
  }
}

function seedVolume(model: ClusterModel, claim: ClusterScenario['persistentVolumeClaims'][number], cloud: CloudForCluster): void {
  const volume = cloud.volume(claim.volumeId);
  const zone = volume?.availabilityZone ?? claim.zone;
  if (!zone) throw new Error(`PVC ${claim.namespace}/${claim.name}: volume ${claim.volumeId} is unknown to the cloud and has no zone`);
  const size = volume ? `${volume.sizeGiB}Gi` : claim.size;
  const pvcUid = model.uid();
  const pvName = `pvc-${pvcUid}`;
  model.create<PvObject>({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name: pvName,
      labels: { 'topology.kubernetes.io/zone': zone, 'topology.kubernetes.io/region': zone.slice(0, -1) },
      annotations: { 'pv.kubernetes.io/provisioned-by': 'ebs.csi.aws.com', 'volume.kubernetes.io/provisioner-deletion-secret-name': '' },
    },
    spec: {
      capacity: { storage: size },
      csi: { driver: 'ebs.csi.aws.com', volumeHandle: claim.volumeId, fsType: 'ext4' },
      claimRef: { kind: 'PersistentVolumeClaim', namespace: claim.namespace, name: claim.name, uid: pvcUid },
      storageClassName: claim.storageClass,
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Delete',
      volumeMode: 'Filesystem',
      nodeAffinity: {
        required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: [zone] }] }] },
      },
    },
    status: { phase: 'Bound' },
  });
  if (parseQuantity(size) < parseQuantity(claim.size)) throw new Error(`PVC ${claim.namespace}/${claim.name} asks for more than volume ${claim.volumeId} holds`);
  model.create<PvcObject>({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: claim.name,
      namespace: claim.namespace,
      uid: pvcUid,
      annotations: {
        'pv.kubernetes.io/bind-completed': 'yes',
        'pv.kubernetes.io/bound-by-controller': 'yes',
        'volume.kubernetes.io/storage-provisioner': 'ebs.csi.aws.com',
        'volume.kubernetes.io/selected-node': '',
      },
      finalizers: ['kubernetes.io/pvc-protection'],
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: claim.size } },
      storageClassName: claim.storageClass,
      volumeName: pvName,
      volumeMode: 'Filesystem',
    },
    status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: size } },
  });
}

function seedWorkload(model: ClusterModel, w: ClusterScenario['workloads'][number], claims: ClusterScenario['persistentVolumeClaims']): void {
  const template = podTemplate(w);
  const metadata = { name: w.name, namespace: w.namespace, generation: 1, labels: { ...w.labels }, annotations: { ...w.annotations } };
  if (w.kind === 'Pod') {
    model.create<PodObject>({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...metadata, generation: undefined },
      spec: template.spec,
      status: { phase: 'Pending', qosClass: 'Burstable', conditions: [] },
    });
    return;
  }
  const apiVersion = 'apps/v1';
  const spec: WorkloadObject['spec'] & Record<string, unknown> = { selector: { matchLabels: { ...w.labels } }, template };
  if (w.kind !== 'DaemonSet') spec.replicas = w.replicas;
  if (w.kind === 'StatefulSet') {
    spec.serviceName = w.name;
    spec.podManagementPolicy = 'Parallel';
    spec.volumeClaimTemplates = w.volumeClaimTemplates.map((name) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: claims.find((c) => c.namespace === w.namespace && c.name === `${name}-${w.name}-0`)?.storageClass,
        resources: { requests: { storage: claims.find((c) => c.namespace === w.namespace && c.name === `${name}-${w.name}-0`)?.size ?? '1Gi' } },
      },
    }));
  }
  if (w.kind === 'Deployment') spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
  model.create<WorkloadObject>({ apiVersion, kind: w.kind, metadata, spec, status: {} });
}
