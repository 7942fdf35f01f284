/** Data shapes of the resize kind: everything here is plain JSON (stored plans, checkpoints). */
import type { EbsVolume, EbsVolumeModification } from '../../integrations/aws/ebs.js';
import type { RecordedModification } from './modifications.js';
import type { SizeRequest } from './sizes.js';

export interface ResizeArgs {
  namespace: string;
  /** `selector`: every claim of the namespace whose labels match `name` (`key=value[,key=value]`). */
  target: { kind: 'pvc' | 'statefulset' | 'selector'; name: string };
  size: SizeRequest;
  /** As typed, for messages (`20Gi`, `+50%`). */
  sizeText: string;
  dryRun: boolean;
}

export interface ObservedPod {
  name: string;
  uid: string;
  nodeName?: string;
  /** The owner with `controller: true` (ReplicaSet, StatefulSet...), absent for a bare pod. */
  controller?: { kind: string; name: string };
}

export interface ObservedClaim {
  namespace: string;
  name: string;
  phase?: string;
  request?: string;
  capacity?: string;
  storageClassName?: string;
  /** `volume.kubernetes.io/storage-provisioner`: tells which driver serves a migrated in-tree claim. */
  storageProvisioner?: string;
  conditions: { type: string; status: string; message?: string }[];
  storageClass?: { name: string; provisioner: string; allowVolumeExpansion: boolean };
  pv?: {
    name: string;
    capacity?: string;
    /** `ebs.csi.aws.com` for CSI volumes, `kubernetes.io/aws-ebs` for in-tree ones. */
    driver?: string;
    /** `pv.kubernetes.io/migrated-to` on in-tree volumes served by the CSI driver. */
    migratedTo?: string;
    volumeId?: string;
  };
  ebs?: EbsVolume;
  /** What EBS reports: only the latest modification of the volume. */
  modifications: EbsVolumeModification[];
  /** The modifications deckhand itself requested within the rule's window (its own record). */
  recordedModifications: RecordedModification[];
  pods: ObservedPod[];
}

export interface ObservedStatefulSet {
  name: string;
  replicas: number;
  templates: { name: string; storage?: string }[];
}

export interface ResizeObserved {
  region: string;
  namespace: string;
  target: ResizeArgs['target'];
  /** Set when the target is a StatefulSet that exists. */
  statefulSet?: ObservedStatefulSet;
  claims: ObservedClaim[];
  /** USD per GB-month by EBS volume type; null when the Price List had no answer. */
  prices: Record<string, number | null>;
}

/** online: grows while the pod runs; offline: needs the pod to be recreated; when-mounted: no pod uses it now. */
export type Expansion = 'online' | 'offline' | 'when-mounted';

export interface PlannedPod {
  name: string;
  uid: string;
  controller?: string;
  /** A controller will recreate it after an eviction. */
  recreated: boolean;
}

export interface VolumePlan {
  namespace: string;
  pvc: string;
  pv: string;
  volumeId: string;
  volumeType: string;
  availabilityZone: string;
  request: string;
  capacity: string;
  currentGiB: number;
  targetBytes: number;
  /** Exact quantity written to the claim. */
  targetQuantity: string;
  targetGiB: number;
  /** resize: patch and watch; finish: already requested, only watch; none: already at that size. */
  action: 'resize' | 'finish' | 'none';
  expansion: Expansion;
  pods: PlannedPod[];
  pricePerGbMonth?: number;
  monthlyCostDelta?: number;
}

export interface ResizePlan {
  namespace: string;
  target: ResizeArgs['target'];
  sizeText: string;
  region: string;
  volumes: VolumePlan[];
  monthlyCostDelta?: number;
  /** StatefulSet templates cannot be edited in place: what to run so new replicas get the new size. */
  templateFix?: { statefulSet: string; template: string; currentStorage?: string; newStorage: string; commands: string[] };
}

export interface VolumeRunState {
  /** Phases already announced in the thread, so a resumed run does not repeat them. */
  reported: string[];
  patchedAt?: number;
  /** When a resize error was first seen (errors that persist past the grace fail the run). */
  errorSince?: number;
  fsPendingSince?: number;
  /** The pods to restart, written before the first eviction, so a resumed run can tell a recreated pod (new uid) from an old one. */
  restart?: { pods: { pod: string; uid: string }[]; requestedAt: number };
  result?: { pvcCapacity: string; pvCapacity?: string; filesystem: 'grown' | 'pending-mount' };
}

export interface ResizeState {
  volumes: Record<string, VolumeRunState>;
}
