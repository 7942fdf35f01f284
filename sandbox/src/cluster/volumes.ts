/**
 * PVC expansion as the EBS CSI external-resizer and the kubelet do it: a bigger request calls ec2:ModifyVolume;
 * an EBS error becomes a `VolumeResizeFailed` event and a `ControllerResizeError` condition and the PVC keeps its
 * size; success shows `Resizing`, then, once the volume has its new size, the PV grows and the PVC waits in
 * `FileSystemResizePending` until the kubelet grows the filesystem: at once for an online class with a running
 * pod, only after every pod that held the volume restarted for an offline class. Simplified: the real resizer retries failures with
 * exponential backoff; the sandbox retries only when the request changes.
 */
import type { CloudForCluster } from '../contracts.js';
import type { ClusterModel } from './model.js';
import { gibToQuantity, parseQuantity, quantityToGiB } from './quantity.js';
import type { PodObject, PvcObject, PvObject } from './objects.js';
import { setCondition } from './objects.js';

const POLL_MS = 1000;
const CONTROLLER_TIMEOUT_MS = 30 * 60 * 1000;
const KUBELET_RESIZE_MS = 2000;
const RESIZER = 'ebs.csi.aws.com';

export type ExpansionMode = 'online' | 'offline';

export class VolumeExpansionController {
  private readonly busy = new Set<string>();
  private readonly failedRequest = new Map<string, string>();
  /** Offline classes: the pods that already used the claim when the controller finished must restart first. */
  private readonly podsBeforeExpansion = new Map<string, Set<string>>();
  private readonly cancels = new Set<() => void>();

  constructor(
    private readonly model: ClusterModel,
    private readonly cloud: CloudForCluster,
    private readonly modeOf: (storageClass: string) => ExpansionMode,
  ) {}

  reconcile(): void {
    for (const pvc of this.model.list<PvcObject>('PersistentVolumeClaim')) {
      if (this.busy.has(pvc.metadata.uid)) continue;
      const requested = pvc.spec.resources.requests.storage;
      const allocated = pvc.status.allocatedResources?.storage ?? pvc.status.capacity?.storage ?? requested;
      if (parseQuantity(requested) > parseQuantity(allocated) && this.failedRequest.get(pvc.metadata.uid) !== requested) {
        this.expandVolume(pvc);
      } else if (pvc.status.conditions?.some((c) => c.type === 'FileSystemResizePending')) {
        this.tryNodeExpansion(pvc);
      }
    }
  }

  stop(): void {
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
  }

  private expandVolume(pvc: PvcObject): void {
    const pv = this.model.get<PvObject>('PersistentVolume', undefined, pvc.spec.volumeName);
    if (!pv) return;
    const requested = pvc.spec.resources.requests.storage;
    const volumeId = pv.spec.csi.volumeHandle;
    const sizeGiB = quantityToGiB(requested);
    this.model.event(pvc, 'Normal', 'ExternalExpanding', 'waiting for an external controller to expand this PVC', 'volume_expand');
    this.model.event(pvc, 'Normal', 'Resizing', `External resizer is resizing volume ${pv.metadata.name}`, `external-resizer ${RESIZER}`);
    const result = this.cloud.modifyVolume(volumeId, sizeGiB);
    if (!result.ok) {
      const message = `resize volume "${pv.metadata.name}" by resizer "${RESIZER}" failed: rpc error: code = Internal desc = Could not resize volume "${volumeId}": could not modify volume "${volumeId}": operation error EC2: ModifyVolume, api error ${result.code}: ${result.message}`;
      this.failedRequest.set(pvc.metadata.uid, requested);
      pvc.status.conditions = setCondition(
        (pvc.status.conditions ?? []).filter((c) => c.type !== 'Resizing'),
        { type: 'ControllerResizeError', status: 'True', message },
        this.model.nowIso(),
      );
      this.model.save(pvc);
      this.model.event(pvc, 'Warning', 'VolumeResizeFailed', message, `external-resizer ${RESIZER}`);
      return;
    }
    this.failedRequest.delete(pvc.metadata.uid);
    this.busy.add(pvc.metadata.uid);
    pvc.status.conditions = setCondition(
      (pvc.status.conditions ?? []).filter((c) => c.type !== 'ControllerResizeError'),
      { type: 'Resizing', status: 'True' },
      this.model.nowIso(),
    );
    this.model.save(pvc);
    this.waitForVolume(pvc, pv, volumeId, sizeGiB, this.model.clock.now() + CONTROLLER_TIMEOUT_MS);
  }

  /** The driver returns once EBS reports the new size (modification state optimizing or completed). */
  private waitForVolume(pvc: PvcObject, pv: PvObject, volumeId: string, sizeGiB: number, deadline: number): void {
    const current = this.cloud.volume(volumeId);
    if (current && current.sizeGiB >= sizeGiB) return this.controllerExpanded(pvc, pv, sizeGiB);
    if (this.model.clock.now() >= deadline) {
      this.busy.delete(pvc.metadata.uid);
      this.failedRequest.set(pvc.metadata.uid, pvc.spec.resources.requests.storage);
      this.model.event(pvc, 'Warning', 'VolumeResizeFailed', `resize volume "${pv.metadata.name}" by resizer "${RESIZER}" failed: timed out waiting for volume ${volumeId} to reach ${sizeGiB}GiB`);
      return;
    }
    const cancel = this.model.clock.after(POLL_MS, () => {
      this.cancels.delete(cancel);
      this.waitForVolume(pvc, pv, volumeId, sizeGiB, deadline);
    });
    this.cancels.add(cancel);
  }

  private controllerExpanded(pvc: PvcObject, pv: PvObject, sizeGiB: number): void {
    const size = gibToQuantity(sizeGiB);
    pv.spec.capacity = { storage: size };
    this.model.save(pv);
    const now = this.model.nowIso();
    pvc.status.allocatedResources = { storage: pvc.spec.resources.requests.storage };
    pvc.status.conditions = setCondition(
      (pvc.status.conditions ?? []).filter((c) => c.type !== 'Resizing'),
      { type: 'FileSystemResizePending', status: 'True', message: 'Waiting for user to (re-)start a pod to finish file system resize of volume on node.' },
      now,
    );
    this.model.save(pvc);
    this.podsBeforeExpansion.set(pvc.metadata.uid, new Set(this.podsUsing(pvc).map((p) => p.metadata.uid)));
    this.busy.delete(pvc.metadata.uid);
    this.model.event(pvc, 'Normal', 'FileSystemResizeRequired', 'Require file system resize of volume on node', `external-resizer ${RESIZER}`);
  }

  private tryNodeExpansion(pvc: PvcObject): void {
    const stale = this.podsBeforeExpansion.get(pvc.metadata.uid) ?? new Set<string>();
    const offline = this.modeOf(pvc.spec.storageClassName) === 'offline';
    const using = this.podsUsing(pvc);
    // Offline: the volume must be unmounted by every pod that held it before, so each of them must be gone.
    if (offline && using.some((p) => stale.has(p.metadata.uid))) return;
    const pod = using.find((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp);
    if (!pod) return;
    this.busy.add(pvc.metadata.uid);
    const cancel = this.model.clock.after(KUBELET_RESIZE_MS, () => {
      this.cancels.delete(cancel);
      this.busy.delete(pvc.metadata.uid);
      this.finishNodeExpansion(pvc, pod);
    });
    this.cancels.add(cancel);
  }

  private finishNodeExpansion(pvc: PvcObject, pod: PodObject): void {
    pvc.status.capacity = { storage: pvc.status.allocatedResources?.storage ?? pvc.spec.resources.requests.storage };
    pvc.status.conditions = (pvc.status.conditions ?? []).filter((c) => c.type !== 'FileSystemResizePending');
    this.model.save(pvc);
    const message = `MountVolume.NodeExpandVolume succeeded for volume "${pvc.spec.volumeName}" ${pod.spec.nodeName ?? ''}`.trim();
    this.model.event(pvc, 'Normal', 'FileSystemResizeSuccessful', message, 'kubelet');
    this.model.event(pod, 'Normal', 'FileSystemResizeSuccessful', message, 'kubelet');
  }

  private podsUsing(pvc: PvcObject): PodObject[] {
    return this.model
      .list<PodObject>('Pod', pvc.metadata.namespace)
      .filter((p) => p.spec.volumes?.some((v) => v.persistentVolumeClaim?.claimName === pvc.metadata.name));
  }
}
