/**
 * The resize step machine: per claim, one step patches the storage request and one watches the expansion
 * to the end (claims of a StatefulSet one at a time). Run state lives in the checkpoint, so a resumed run
 * neither repeats a milestone nor evicts a pod that was already recreated.
 */
import type { CoreV1Event, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { UserFacingError } from '../../errors.js';
import { formatDuration } from '../../time.js';
import { evictPod } from '../../integrations/kubernetes/pods.js';
import { eventTimeMs, listPodsUsingPvc, listPvcEvents, patchPvcSize, readPv, readPvc } from '../../integrations/kubernetes/volumes.js';
import type { Step, StepContext } from '../kind.js';
import type { ResizeSettings } from './settings.js';
import { parseQuantity } from './sizes.js';
import type { ResizePlan, ResizeState, VolumePlan, VolumeRunState } from './types.js';
import { adviceFor, readPhase, type ClaimEvent, type ClaimStatus, type WatchPhase } from './watch.js';

type Ctx = StepContext<ResizePlan, ResizeState, ResizeSettings>;

export const volumeKey = (v: Pick<VolumePlan, 'namespace' | 'pvc'>) => `${v.namespace}/${v.pvc}`;

function runState(ctx: Ctx, volume: VolumePlan): VolumeRunState {
  const key = volumeKey(volume);
  return (ctx.state.volumes[key] ??= { reported: [] });
}

/** A thread reply at most once per run (and across resumes), keyed by phase. */
async function milestoneOnce(ctx: Ctx, vs: VolumeRunState, phase: string, text: string): Promise<void> {
  if (vs.reported.includes(phase)) return;
  vs.reported.push(phase);
  await ctx.checkpoint();
  await ctx.progress.milestone(text);
}

function mustRead(pvc: V1PersistentVolumeClaim | undefined, volume: VolumePlan): V1PersistentVolumeClaim {
  if (!pvc) throw new UserFacingError(`PersistentVolumeClaim ${volumeKey(volume)} disappeared during the resize.`);
  return pvc;
}

function statusOf(pvc: V1PersistentVolumeClaim): ClaimStatus {
  return {
    capacity: pvc.status?.capacity?.storage,
    conditions: (pvc.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, message: c.message })),
    allocatedStatus: pvc.status?.allocatedResourceStatuses?.storage,
  };
}

function eventOf(e: CoreV1Event): ClaimEvent {
  return { type: e.type, reason: e.reason, message: e.message, at: eventTimeMs(e) };
}

async function patchStep(ctx: Ctx, volume: VolumePlan): Promise<void> {
  const vs = runState(ctx, volume);
  const pvc = mustRead(await readPvc(ctx.clients.kube, volume.namespace, volume.pvc), volume);
  const request = pvc.spec?.resources?.requests?.storage;
  // Idempotent: after a crash the request may already be there.
  const needsPatch = (parseQuantity(request) ?? 0) < volume.targetBytes;
  if (needsPatch) {
    await ctx.audit('kubernetes.pvc.patch-storage', { namespace: volume.namespace, pvc: volume.pvc, from: request, to: volume.targetQuantity, volumeId: volume.volumeId });
    await patchPvcSize(ctx.clients.kube, volume.namespace, volume.pvc, volume.targetQuantity);
  }
  vs.patchedAt ??= ctx.clock.now();
  const text = needsPatch
    ? `Requested ${volume.targetQuantity} for \`${volumeKey(volume)}\` (was ${request}); EBS volume \`${volume.volumeId}\` is being modified.`
    : `\`${volumeKey(volume)}\` already requests ${request}; watching the expansion of EBS volume \`${volume.volumeId}\`.`;
  await milestoneOnce(ctx, vs, 'requested', text);
}

/** Filesystem waits for a pod restart: offer to evict the pod when a controller will recreate it. */
async function handleFilesystemPending(ctx: Ctx, volume: VolumePlan, vs: VolumeRunState, settings: ResizeSettings): Promise<'finished' | 'waiting'> {
  const now = ctx.clock.now();
  vs.fsPendingSince ??= now;
  const pods = await listPodsUsingPvc(ctx.clients.kube, volume.namespace, volume.pvc);
  const key = volumeKey(volume);
  // Right after our eviction no pod may mount the claim until its controller recreates one: that is waiting,
  // not "no pod uses it".
  if (pods.length === 0 && vs.restart) return 'waiting';
  if (pods.length === 0) {
    const pvc = await readPvc(ctx.clients.kube, volume.namespace, volume.pvc);
    vs.result = { pvcCapacity: pvc?.status?.capacity?.storage ?? volume.capacity, filesystem: 'pending-mount' };
    await milestoneOnce(ctx, vs, 'pending-mount', `\`${key}\`: the EBS volume is ${volume.targetGiB} GiB; no pod mounts the claim, so its filesystem grows when a pod next mounts it.`);
    return 'finished';
  }
  const restartExpected = volume.expansion === 'offline' || now - vs.fsPendingSince >= settings.onlineFilesystemGrace;
  if (!restartExpected) return 'waiting';
  const pod = pods[0]!;
  // A terminating pod is already on its way out: its replacement grows the filesystem.
  if (pod.metadata?.deletionTimestamp) return 'waiting';
  const podName = pod.metadata?.name ?? '';
  const podUid = pod.metadata?.uid ?? '';
  if (vs.restart) {
    // The old pod is gone or replaced: the new one grows the filesystem when it mounts the volume.
    if (vs.restart.pod !== podName || vs.restart.uid !== podUid) return 'waiting';
    return evictForRestart(ctx, volume, vs, podName);
  }
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
  if (!owner) {
    await milestoneOnce(ctx, vs, 'restart-manual', `\`${key}\` waits for pod \`${podName}\` to restart, and it has no controller to recreate it: recreate it yourself; deckhand keeps watching.`);
    return 'waiting';
  }
  if (vs.reported.includes('restart-declined')) return 'waiting';
  await milestoneOnce(ctx, vs, 'filesystem-restart', `\`${key}\`: the volume is ${volume.targetGiB} GiB; the filesystem grows only when pod \`${podName}\` restarts.`);
  const answer = await ctx.ask({
    id: `restart/${key}`,
    text: `The filesystem of \`${key}\` grows only when pod \`${podName}\` restarts. Evict it now? Its ${owner.kind} ${owner.name} recreates it (the eviction honours PodDisruptionBudgets).`,
    choices: [
      { id: 'evict', label: `Restart ${podName}`, style: 'primary', needsApprover: true },
      { id: 'wait', label: "I'll restart it myself" },
    ],
  });
  if (answer !== 'evict') {
    await milestoneOnce(ctx, vs, 'restart-declined', `Not restarting \`${podName}\`: deckhand keeps watching \`${key}\` until its filesystem grows.`);
    return 'waiting';
  }
  // Recorded before the eviction: after a crash, a different uid proves the pod was already recreated.
  vs.restart = { pod: podName, uid: podUid, requestedAt: now };
  await ctx.checkpoint();
  return evictForRestart(ctx, volume, vs, podName);
}

async function evictForRestart(ctx: Ctx, volume: VolumePlan, vs: VolumeRunState, podName: string): Promise<'waiting'> {
  await ctx.audit('kubernetes.pod.evict', { namespace: volume.namespace, pod: podName, reason: `filesystem resize of ${volumeKey(volume)}` });
  const result = await evictPod(ctx.clients.kube, volume.namespace, podName);
  if (result.outcome === 'conflict') {
    throw new UserFacingError(`Cannot evict ${volume.namespace}/${podName}: ${result.message}. Fix the PodDisruptionBudgets selecting it, then restart it yourself.`);
  }
  if (result.outcome === 'blocked') {
    const budget = result.pdbs.length > 0 ? `PodDisruptionBudget ${result.pdbs.join(', ')}` : 'A PodDisruptionBudget';
    await milestoneOnce(ctx, vs, 'restart-blocked', `${budget} forbids evicting \`${podName}\` right now; deckhand retries while it watches.`);
  } else {
    await milestoneOnce(ctx, vs, 'restarted', `Evicted \`${podName}\`; its controller recreates it and the filesystem grows when the volume is mounted again.`);
  }
  return 'waiting';
}

function phaseLabel(phase: WatchPhase): string {
  switch (phase.phase) {
    case 'done':
      return `done (${phase.capacity})`;
    case 'error':
      return `${phase.source} resize error`;
    case 'filesystem-pending':
      return 'FileSystemResizePending';
    case 'resizing':
      return 'Resizing';
    case 'waiting':
      return 'waiting for the resizer';
  }
}

async function finish(ctx: Ctx, volume: VolumePlan, vs: VolumeRunState, capacity: string): Promise<void> {
  const pv = await readPv(ctx.clients.kube, volume.pv);
  vs.result = { pvcCapacity: capacity, pvCapacity: pv?.spec?.capacity?.storage, filesystem: 'grown' };
  await milestoneOnce(ctx, vs, 'done', `\`${volumeKey(volume)}\` is done: PVC capacity ${capacity}, PV ${volume.pv} capacity ${vs.result.pvCapacity ?? 'unknown'}.`);
}

async function watchStep(ctx: Ctx, volume: VolumePlan, index: number, total: number): Promise<void> {
  const { settings } = ctx;
  const vs = runState(ctx, volume);
  if (vs.result) return;
  const key = volumeKey(volume);
  const deadline = ctx.clock.now() + settings.watchTimeout;
  const since = vs.patchedAt ?? 0;
  // Cancel aborts ctx.signal, which ends the sleep below: returning early would mark the watch as done.
  for (;;) {
    const pvc = mustRead(await readPvc(ctx.clients.kube, volume.namespace, volume.pvc), volume);
    const events = (await listPvcEvents(ctx.clients.kube, volume.namespace, volume.pvc)).map(eventOf);
    const last = readPhase(statusOf(pvc), events, volume.targetBytes, since);
    ctx.progress.status({ Claim: `${index + 1}/${total} ${key}`, Phase: phaseLabel(last), Capacity: `${pvc.status?.capacity?.storage ?? '?'} of ${volume.targetQuantity}` });
    if (last.phase === 'done') return finish(ctx, volume, vs, last.capacity);
    if (last.phase === 'error') {
      const now = ctx.clock.now();
      vs.errorSince ??= now;
      await milestoneOnce(ctx, vs, `error:${last.message}`, `:warning: \`${key}\`: ${last.source} resize error: ${last.message}\n${adviceFor(last, volume.namespace, volume.pvc)}`);
      if (now - vs.errorSince >= settings.errorGrace) {
        throw new UserFacingError(`Resize of ${key} failed: ${last.message}. ${adviceFor(last, volume.namespace, volume.pvc)}`);
      }
    } else {
      vs.errorSince = undefined;
    }
    if (last.phase === 'resizing') await milestoneOnce(ctx, vs, 'resizing', `\`${key}\`: Resizing (EBS modification in progress).`);
    if (last.phase === 'filesystem-pending') {
      await milestoneOnce(ctx, vs, 'filesystem-pending', `\`${key}\`: FileSystemResizePending (the EBS volume has grown; the filesystem is next).`);
      if ((await handleFilesystemPending(ctx, volume, vs, settings)) === 'finished') return;
    }
    if (ctx.clock.now() >= deadline) {
      throw new UserFacingError(
        `Stopped watching ${key} after ${formatDuration(settings.watchTimeout)} (last phase: ${phaseLabel(last)}). The resize goes on in the cluster: check \`kubectl -n ${volume.namespace} describe pvc ${volume.pvc}\`, or run the same /deckhand resize again to watch it finish.`,
      );
    }
    await ctx.checkpoint();
    await ctx.clock.sleep(settings.pollInterval, ctx.signal);
  }
}

export function resizeSteps(plan: ResizePlan): Step<ResizePlan, ResizeState, ResizeSettings>[] {
  const active = plan.volumes.filter((v) => v.action !== 'none');
  return active.flatMap((volume, index) => [
    {
      id: `${volumeKey(volume)}/request`,
      title: `Request ${volume.targetQuantity} for ${volumeKey(volume)}`,
      run: (ctx: Ctx) => patchStep(ctx, volume),
    },
    {
      id: `${volumeKey(volume)}/watch`,
      title: `Watch ${volumeKey(volume)} until its filesystem has ${volume.targetQuantity}`,
      run: (ctx: Ctx) => watchStep(ctx, volume, index, active.length),
    },
  ]);
}
