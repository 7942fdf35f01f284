/**
 * Server-side printing: kubectl asks for `application/json;as=Table;g=meta.k8s.io;v=v1` and prints the columns
 * the server chooses. Ages are computed on the virtual clock.
 */
import type { Kind } from '../model.js';
import {
  isNodeReady,
  isPodReady,
  type KubeObject,
  type NodeObject,
  type PdbObject,
  type PodObject,
  type PvcObject,
  type PvObject,
  type WorkloadObject,
} from '../objects.js';

interface Column {
  name: string;
  type?: string;
  priority?: number;
}

type Row = (obj: KubeObject, now: number) => unknown[];

export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',')[0]?.includes('as=Table') ?? false;
}

export function age(timestamp: string | undefined, now: number): string {
  if (!timestamp) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

const n = (value: unknown) => (typeof value === 'number' ? value : 0);

const PRINTERS: Partial<Record<Kind, { columns: Column[]; row: Row }>> = {
  Node: {
    columns: [{ name: 'Status' }, { name: 'Roles' }, { name: 'Age' }, { name: 'Version' }, { name: 'Internal-IP', priority: 1 }, { name: 'Zone', priority: 1 }],
    row: (o, now) => {
      const node = o as NodeObject;
      const status = [isNodeReady(node) ? 'Ready' : 'NotReady', ...(node.spec.unschedulable ? ['SchedulingDisabled'] : [])].join(',');
      return [status, '<none>', age(o.metadata.creationTimestamp, now), node.status.nodeInfo.kubeletVersion, node.status.addresses.find((a) => a.type === 'InternalIP')?.address, o.metadata.labels?.['topology.kubernetes.io/zone']];
    },
  },
  Pod: {
    columns: [{ name: 'Ready' }, { name: 'Status' }, { name: 'Restarts', type: 'integer' }, { name: 'Age' }, { name: 'IP', priority: 1 }, { name: 'Node', priority: 1 }],
    row: (o, now) => {
      const pod = o as PodObject;
      const total = pod.spec.containers.length;
      const status = pod.metadata.deletionTimestamp ? 'Terminating' : pod.status.phase === 'Pending' && pod.spec.nodeName ? 'ContainerCreating' : pod.status.phase;
      return [`${isPodReady(pod) ? total : 0}/${total}`, status, 0, age(o.metadata.creationTimestamp, now), pod.status.podIP ?? '<none>', pod.spec.nodeName ?? '<none>'];
    },
  },
  Deployment: {
    columns: [{ name: 'Ready' }, { name: 'Up-to-date', type: 'integer' }, { name: 'Available', type: 'integer' }, { name: 'Age' }],
    row: (o, now) => {
      const w = o as WorkloadObject;
      return [`${n(w.status.readyReplicas)}/${w.spec.replicas ?? 1}`, n(w.status.updatedReplicas), n(w.status.availableReplicas), age(o.metadata.creationTimestamp, now)];
    },
  },
  StatefulSet: {
    columns: [{ name: 'Ready' }, { name: 'Age' }],
    row: (o, now) => [`${n((o as WorkloadObject).status.readyReplicas)}/${(o as WorkloadObject).spec.replicas ?? 1}`, age(o.metadata.creationTimestamp, now)],
  },
  ReplicaSet: {
    columns: [{ name: 'Desired', type: 'integer' }, { name: 'Current', type: 'integer' }, { name: 'Ready', type: 'integer' }, { name: 'Age' }],
    row: (o, now) => {
      const w = o as WorkloadObject;
      return [w.spec.replicas ?? 1, n(w.status.replicas), n(w.status.readyReplicas), age(o.metadata.creationTimestamp, now)];
    },
  },
  DaemonSet: {
    columns: [{ name: 'Desired', type: 'integer' }, { name: 'Current', type: 'integer' }, { name: 'Ready', type: 'integer' }, { name: 'Up-to-date', type: 'integer' }, { name: 'Available', type: 'integer' }, { name: 'Age' }],
    row: (o, now) => {
      const s = (o as WorkloadObject).status;
      return [n(s.desiredNumberScheduled), n(s.currentNumberScheduled), n(s.numberReady), n(s.updatedNumberScheduled), n(s.numberAvailable), age(o.metadata.creationTimestamp, now)];
    },
  },
  PodDisruptionBudget: {
    columns: [{ name: 'Min Available' }, { name: 'Max Unavailable' }, { name: 'Allowed Disruptions', type: 'integer' }, { name: 'Age' }],
    row: (o, now) => {
      const pdb = o as PdbObject;
      return [pdb.spec.minAvailable ?? 'N/A', pdb.spec.maxUnavailable ?? 'N/A', pdb.status.disruptionsAllowed, age(o.metadata.creationTimestamp, now)];
    },
  },
  PersistentVolumeClaim: {
    columns: [{ name: 'Status' }, { name: 'Volume' }, { name: 'Capacity' }, { name: 'Access Modes' }, { name: 'StorageClass' }, { name: 'Age' }],
    row: (o, now) => {
      const pvc = o as PvcObject;
      return [pvc.status.phase, pvc.spec.volumeName, pvc.status.capacity?.storage ?? '', 'RWO', pvc.spec.storageClassName, age(o.metadata.creationTimestamp, now)];
    },
  },
  PersistentVolume: {
    columns: [{ name: 'Capacity' }, { name: 'Access Modes' }, { name: 'Reclaim Policy' }, { name: 'Status' }, { name: 'Claim' }, { name: 'StorageClass' }, { name: 'Age' }],
    row: (o, now) => {
      const pv = o as PvObject;
      return [pv.spec.capacity.storage, 'RWO', pv.spec.persistentVolumeReclaimPolicy, pv.status.phase, `${pv.spec.claimRef.namespace}/${pv.spec.claimRef.name}`, pv.spec.storageClassName, age(o.metadata.creationTimestamp, now)];
    },
  },
  Event: {
    columns: [{ name: 'Last Seen' }, { name: 'Type' }, { name: 'Reason' }, { name: 'Object' }, { name: 'Message' }],
    row: (o, now) => {
      const e = o as KubeObject & { lastTimestamp: string; type: string; reason: string; message: string; involvedObject: { kind: string; name: string } };
      return [age(e.lastTimestamp, now), e.type, e.reason, `${e.involvedObject.kind.toLowerCase()}/${e.involvedObject.name}`, e.message];
    },
  },
};

export function toTable(kind: Kind, objects: KubeObject[], now: number, resourceVersion: string): unknown {
  const printer = PRINTERS[kind] ?? { columns: [{ name: 'Age' }], row: (o: KubeObject, t: number) => [age(o.metadata.creationTimestamp, t)] };
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: [{ name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 }, ...printer.columns.map((c) => ({ name: c.name, type: c.type ?? 'string', format: '', description: c.name, priority: c.priority ?? 0 }))],
    rows: objects.map((o) => ({
      cells: [o.metadata.name, ...printer.row(o, now)],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
