/**
 * The resize step machine: per claim, one step patches the storage request and one watches the expansion
 * to the end (claims of a StatefulSet one at a time). Run state lives in the checkpoint, so a resumed run
 * neither repeats a milestone nor evicts a pod that was already recreated.
 */
import type { CoreV1Event, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { RefusalError, UserFacingError } from '../../errors.js';
import { describeVolumeModifications } from '../../integrations/aws/ebs.js';
import { formatDuration, formatUtc } from '../../time.js';
import { evictPod } from '../../integrations/kubernetes/pods.js';
import { eventTimeMs, listPodsUsingPvc, listPvcEvents, patchPvcSize, readPv, readPvc } from '../../integrations/kubernetes/volumes.js';
import type { Step, StepContext } from '../kind.js';
import { budgetAt, isModificationRateRefusal, knownModificationTimes, modificationRecordOf, timeNamedIn } from './modifications.js';
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
    // Deckhand's own record of the EBS modification this patch starts: EBS itself shows only the latest one.
    await modificationRecordOf(ctx).add(volume.volumeId, { at: ctx.clock.now(), fromGiB: volume.currentGiB, toGiB: volume.targetGiB, planId: ctx.planId }, ctx.settings.modificationWindow);
    await ctx.audit('kubernetes.pvc.patch-storage', { namespace: volume.namespace, pvc: volume.pvc, from: request, to: volume.targetQuantity, volumeId: volume.volumeId });
    await patchPvcSize(ctx.clients.kube, volume.namespace, volume.pvc, volume.targetQuantity);
  }
  vs.patchedAt ??= ctx.clock.now();
  const text = needsPatch
    ? `Requested ${volume.targetQuantity} for \`${volumeKey(volume)}\` (was ${request}); EBS volume \`${volume.volumeId}\` is being modified.`
    : `\`${volumeKey(volume)}\` already requests ${request}; watching the expansion of EBS volume \`${volume.volumeId}\`.`;
  await milestoneOnce(ctx, vs, 'requested', text);
}

const isReady = (pod: V1Pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** Safe order: pods that serve nothing now (not Ready) first, then by name (StatefulSet ordinals in turn). */
function restartOrder(pods: V1Pod[]): V1Pod[] {
  return [...pods].sort((a, b) => Number(isReady(a)) - Number(isReady(b)) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

const podList = (names: string[]) => names.map((name) => `\`${name}\``).join(', ');

/**
 * Filesystem waits for a restart: every pod that holds the volume from before must restart (a shared claim has
 * several). Offered once for all the pods a controller recreates; then evicted one at a time, in restartOrder,
 * the next only when nothing of the claim is terminating and every replacement is Ready.
 */
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
  // A terminating pod is already on its way out: its replacement grows the filesystem; one at a time.
  if (pods.some((pod) => pod.metadata?.deletionTimestamp)) return 'waiting';
  if (vs.restart) {
    // Pods recorded for a restart that still run with the same uid have not restarted yet.
    const pending = vs.restart.pods.filter((r) => pods.some((pod) => pod.metadata?.name === r.pod && pod.metadata?.uid === r.uid));
    const replacements = pods.filter((pod) => !vs.restart!.pods.some((r) => r.uid === pod.metadata?.uid));
    if (pending.length === 0 || replacements.some((pod) => !isReady(pod))) return 'waiting';
    return evictForRestart(ctx, volume, vs, pending[0]!.pod);
  }
  const ordered = restartOrder(pods);
  const withController = ordered.filter((pod) => pod.metadata?.ownerReferences?.some((o) => o.controller));
  const manual = ordered.filter((pod) => !withController.includes(pod)).map((pod) => pod.metadata?.name ?? '');
  if (manual.length > 0) {
    const them = manual.length === 1 ? `pod ${podList(manual)}` : `pods ${podList(manual)}`;
    await milestoneOnce(ctx, vs, 'restart-manual', `\`${key}\` waits for ${them} to restart, and ${manual.length === 1 ? 'it has' : 'they have'} no controller to recreate ${manual.length === 1 ? 'it' : 'them'}: recreate ${manual.length === 1 ? 'it' : 'them'} yourself; deckhand keeps watching.`);
  }
  if (withController.length === 0 || vs.reported.includes('restart-declined')) return 'waiting';
  const names = withController.map((pod) => pod.metadata?.name ?? '');
  const single = names.length === 1;
  const owner = withController[0]!.metadata!.ownerReferences!.find((o) => o.controller)!;
  await milestoneOnce(
    ctx,
    vs,
    'filesystem-restart',
    `\`${key}\`: the volume is ${volume.targetGiB} GiB; the filesystem grows only when ${single ? `pod ${podList(names)} restarts` : `pods ${podList(names)} restart`}.`,
  );
  const answer = await ctx.ask({
    id: `restart/${key}`,
    text: single
      ? `The filesystem of \`${key}\` grows only when pod \`${names[0]}\` restarts. Evict it now? Its ${owner.kind} ${owner.name} recreates it (the eviction honours PodDisruptionBudgets).`
      : `The filesystem of \`${key}\` grows only when its ${names.length} pods restart: ${podList(names)}. Evict them now, one at a time in this order, each replacement Ready before the next? Their controllers recreate them (the evictions honour PodDisruptionBudgets).`,
    choices: [
      { id: 'evict', label: single ? `Restart ${names[0]}` : `Restart ${names.length} pods`, style: 'primary', needsApprover: true },
      { id: 'wait', label: single ? "I'll restart it myself" : "I'll restart them myself" },
    ],
  });
  if (answer !== 'evict') {
    await milestoneOnce(ctx, vs, 'restart-declined', `Not restarting ${podList(names)}: deckhand keeps watching \`${key}\` until its filesystem grows.`);
    return 'waiting';
  }
  // Recorded before the first eviction: after a crash, a different uid proves a pod was already recreated.
  vs.restart = { pods: withController.map((pod) => ({ pod: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' })), requestedAt: now };
  await ctx.checkpoint();
  return evictForRestart(ctx, volume, vs, names[0]!);
}

async function evictForRestart(ctx: Ctx, volume: VolumePlan, vs: VolumeRunState, podName: string): Promise<'waiting'> {
  await ctx.audit('kubernetes.pod.evict', { namespace: volume.namespace, pod: podName, reason: `filesystem resize of ${volumeKey(volume)}` });
  const result = await evictPod(ctx.clients.kube, volume.namespace, podName);
  if (result.outcome === 'conflict') {
    throw new UserFacingError(`Cannot evict ${volume.namespace}/${podName}: ${result.message}. Fix the PodDisruptionBudgets selecting it, then restart it yourself.`);
  }
  if (result.outcome === 'blocked') {
    const budget = result.pdbs.length > 0 ? `PodDisruptionBudget ${result.pdbs.join(', ')}` : 'A PodDisruptionBudget';
    await milestoneOnce(ctx, vs, `restart-blocked:${podName}`, `${budget} forbids evicting \`${podName}\` right now; deckhand retries while it watches.`);
  } else {
    await milestoneOnce(ctx, vs, `restarted:${podName}`, `Evicted \`${podName}\`; its controller recreates it and the filesystem grows when the volume is mounted again.`);
  }
  return 'waiting';
}

/**
 * EBS refused the modification: its limit decides, not deckhand's count. Never retried; the refusal names the time
 * of the next possible modification, from EBS's message or else from every modification known now.
 */
async function modificationRateRefusal(ctx: Ctx, volume: VolumePlan, message: string): Promise<RefusalError> {
  const now = ctx.clock.now();
  const known = async () =>
    knownModificationTimes(
      await describeVolumeModifications(ctx.clients.ec2, volume.volumeId),
      await modificationRecordOf(ctx).since(volume.volumeId, now - ctx.settings.modificationWindow),
    );
  const next = timeNamedIn(message) ?? budgetAt(await known(), now, ctx.settings).nextPossible;
  const when =
    next === undefined
      ? `EBS named no time: \`aws ec2 describe-volumes-modifications --volume-ids ${volume.volumeId}\` shows its latest modification`
      : `the next modification is possible at ${formatUtc(next)}`;
  return new RefusalError(
    `EBS refused to modify volume ${volume.volumeId} of ${volumeKey(volume)} again (${message}); ${when}. The claim keeps requesting ${volume.targetQuantity} and the EBS CSI driver retries by itself; run the same /deckhand resize after that time to watch it finish.`,
  );
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
      if (last.source === 'controller' && isModificationRateRefusal(last.message)) throw await modificationRateRefusal(ctx, volume, last.message);
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
