/**
 * Pure reading of where a claim's expansion stands, from its status and events:
 * Resizing → FileSystemResizePending → status.capacity equals the request; or a controller/node error.
 */
import { parseQuantity } from './sizes.js';

export interface ClaimStatus {
  capacity?: string;
  conditions: { type: string; status: string; message?: string }[];
  /** `status.allocatedResourceStatuses.storage` on newer clusters. */
  allocatedStatus?: string;
}

export interface ClaimEvent {
  type?: string;
  reason?: string;
  message?: string;
  at: number;
}

export type ResizeError = { source: 'controller' | 'node'; message: string };

export type WatchPhase =
  | { phase: 'done'; capacity: string }
  | ({ phase: 'error' } & ResizeError)
  | { phase: 'filesystem-pending' }
  | { phase: 'resizing' }
  | { phase: 'waiting' };

const FAILURE_REASONS = new Set(['VolumeResizeFailed', 'FileSystemResizeFailed', 'ExternalExpandVolumeFailed']);

function isTrue(status: ClaimStatus, type: string) {
  return status.conditions.find((c) => c.type === type && c.status === 'True');
}

/** The newest event since the patch, when it is a resize failure (a later success event clears it). */
function failureEvent(events: ClaimEvent[], since: number): ClaimEvent | undefined {
  const latest = events.filter((e) => e.at >= since).sort((a, b) => a.at - b.at).pop();
  return latest && latest.type === 'Warning' && FAILURE_REASONS.has(latest.reason ?? '') ? latest : undefined;
}

function eventSource(event: ClaimEvent): ResizeError['source'] {
  return event.reason === 'FileSystemResizeFailed' || /NodeExpandVolume|resize2fs|xfs_growfs/.test(event.message ?? '') ? 'node' : 'controller';
}

export function readPhase(status: ClaimStatus, events: ClaimEvent[], targetBytes: number, since: number): WatchPhase {
  if ((parseQuantity(status.capacity) ?? 0) >= targetBytes) return { phase: 'done', capacity: status.capacity! };
  const event = failureEvent(events, since);
  const controllerError = isTrue(status, 'ControllerResizeError') ?? (status.allocatedStatus === 'ControllerResizeInfeasible' ? { message: undefined } : undefined);
  if (controllerError) return { phase: 'error', source: 'controller', message: controllerError.message ?? event?.message ?? 'the controller could not resize the volume' };
  const nodeError = isTrue(status, 'NodeResizeError') ?? (status.allocatedStatus === 'NodeResizeInfeasible' ? { message: undefined } : undefined);
  if (nodeError) return { phase: 'error', source: 'node', message: nodeError.message ?? event?.message ?? 'the node could not grow the filesystem' };
  if (event) return { phase: 'error', source: eventSource(event), message: `${event.reason}: ${event.message ?? ''}`.trim() };
  if (isTrue(status, 'FileSystemResizePending')) return { phase: 'filesystem-pending' };
  if (isTrue(status, 'Resizing')) return { phase: 'resizing' };
  return { phase: 'waiting' };
}

/** What a person should do about a resize error, by where it happened. */
export function adviceFor(error: ResizeError, namespace: string, pvc: string): string {
  const describe = `\`kubectl -n ${namespace} describe pvc ${pvc}\``;
  if (error.source === 'node') {
    return `The node could not grow the filesystem (only ext3, ext4 and XFS can grow). Check ${describe}, the ebs-csi-node logs on the pod's node, then restart the pod to retry.`;
  }
  return `The EBS CSI controller could not modify the volume. Check ${describe} and the ebs-csi-controller logs (IAM permissions, volume state, type maximum).`;
}
