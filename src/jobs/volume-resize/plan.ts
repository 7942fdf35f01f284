/**
 * Pure planner: observed claims + requested size + now → a plan per claim, or a refusal naming what blocks it.
 * Each safety rule is a small named policy returning a reason (string) when it refuses.
 */
import { formatDuration, formatUtc } from '../../time.js';
import type { PlanOutcome } from '../kind.js';
import { inScope } from '../scope.js';
import type { EbsVolumeModification } from '../../integrations/aws/ebs.js';
import { budgetAt, knownModificationTimes, type ModificationBudget } from './modifications.js';
import type { ResizeSettings } from './settings.js';
import { formatSize, GiB, parseQuantity, resolveTargetBytes, toGiBCeil, toQuantity } from './sizes.js';
import type { Expansion, ObservedClaim, PlannedPod, ResizeArgs, ResizeObserved, ResizePlan, VolumePlan } from './types.js';

export const EBS_CSI_DRIVER = 'ebs.csi.aws.com';
export const IN_TREE_EBS = 'kubernetes.io/aws-ebs';

/** Largest size ModifyVolume accepts per type, in GiB. */
export const MAX_GIB_BY_TYPE: Record<string, number> = {
  gp2: 16_384,
  io1: 16_384,
  st1: 16_384,
  sc1: 16_384,
  gp3: 65_536,
  io2: 65_536,
  standard: 1_024,
};

/** Owners that recreate a pod after an eviction. */
const RECREATING_CONTROLLERS = new Set(['ReplicaSet', 'StatefulSet', 'DaemonSet', 'ReplicationController', 'Job']);

// --- policies -------------------------------------------------------------------------------

export function mustBeBound(claim: ObservedClaim): string | undefined {
  if (claim.phase !== 'Bound') return `it is ${claim.phase ?? 'in an unknown phase'}, not Bound: only a bound claim can grow`;
}

export function mustAllowExpansion(claim: ObservedClaim): string | undefined {
  if (!claim.storageClassName) return 'it has no StorageClass: a statically bound volume must be grown outside Kubernetes';
  if (!claim.storageClass) return `its StorageClass "${claim.storageClassName}" does not exist`;
  if (!claim.storageClass.allowVolumeExpansion) {
    return `its StorageClass "${claim.storageClass.name}" does not allow volume expansion (allowVolumeExpansion is not true); StorageClasses are immutable, so the volume must be migrated to an expandable class`;
  }
}

/** EBS CSI expands; an in-tree aws-ebs class expands only when migrated to the CSI driver (always the case on EKS ≥ 1.23). */
export function mustBeExpandableByEbsCsi(claim: ObservedClaim): string | undefined {
  const provisioner = claim.storageClass?.provisioner;
  if (provisioner === EBS_CSI_DRIVER) return undefined;
  if (provisioner === IN_TREE_EBS) {
    const migrated = claim.pv?.driver === EBS_CSI_DRIVER || claim.pv?.migratedTo === EBS_CSI_DRIVER || claim.storageProvisioner === EBS_CSI_DRIVER;
    return migrated ? undefined : `its in-tree class "${claim.storageClass?.name}" is not migrated to the EBS CSI driver (${EBS_CSI_DRIVER}): install the driver add-on first`;
  }
  return `its provisioner "${provisioner}" is not the EBS CSI driver (${EBS_CSI_DRIVER}): deckhand only grows EBS volumes`;
}

export function mustHaveEbsVolume(claim: ObservedClaim): string | undefined {
  if (!claim.pv) return 'its PersistentVolume was not found';
  if (!claim.pv.volumeId) return `its PersistentVolume ${claim.pv.name} has no EBS volume id`;
  if (!claim.ebs) return `its EBS volume ${claim.pv.volumeId} was not found in this account and region`;
}

export function neverShrink(targetBytes: number, requestBytes: number, capacityBytes: number): string | undefined {
  if (targetBytes < requestBytes || targetBytes < capacityBytes) {
    return `${formatSize(targetBytes)} is smaller than the current ${formatSize(Math.max(requestBytes, capacityBytes))}: volumes never shrink`;
  }
}

export function withinTypeMaximum(targetGiB: number, volumeType: string): string | undefined {
  const max = MAX_GIB_BY_TYPE[volumeType] ?? MAX_GIB_BY_TYPE.gp2!;
  if (targetGiB > max) return `${targetGiB} GiB is above the ${volumeType} maximum of ${formatSize(max * GiB)}`;
}

export function noModificationInProgress(volumeId: string, modifications: EbsVolumeModification[]): string | undefined {
  const running = modifications.find((m) => m.state === 'modifying' || m.state === 'optimizing');
  if (!running) return undefined;
  const sizes = running.originalSizeGiB && running.targetSizeGiB ? `, ${running.originalSizeGiB} → ${running.targetSizeGiB} GiB` : '';
  const since = running.startTime ? `, started ${formatUtc(running.startTime)}` : '';
  return `EBS volume ${volumeId} has a modification in progress (${running.state}${sizes}${since}); the next one is possible once it completes, which can take hours while optimizing`;
}

/** `times`: every known modification (knownModificationTimes: AWS's latest and deckhand's own record). */
export function withinModificationBudget(volumeId: string, times: number[], now: number, settings: ModificationBudget): string | undefined {
  const { recent, nextPossible } = budgetAt(times, now, settings);
  if (nextPossible === undefined) return undefined;
  return `EBS volume ${volumeId} was already modified ${recent} time${recent === 1 ? '' : 's'} in the last ${formatDuration(settings.modificationWindow)} (limit ${settings.modificationsPerWindow}); the next modification is possible at ${formatUtc(nextPossible)}`;
}

// --- plan -----------------------------------------------------------------------------------

export function expansionMode(claim: ObservedClaim, settings: Pick<ResizeSettings, 'offlineProvisioners'>): Expansion {
  if (claim.pods.length === 0) return 'when-mounted';
  return settings.offlineProvisioners.includes(claim.storageClass?.provisioner ?? '') ? 'offline' : 'online';
}

function plannedPods(claim: ObservedClaim): PlannedPod[] {
  return claim.pods.map((pod) => ({
    name: pod.name,
    uid: pod.uid,
    controller: pod.controller ? `${pod.controller.kind}/${pod.controller.name}` : undefined,
    recreated: pod.controller !== undefined && RECREATING_CONTROLLERS.has(pod.controller.kind),
  }));
}

function planVolume(claim: ObservedClaim, args: ResizeArgs, observed: ResizeObserved, now: number, settings: ResizeSettings): VolumePlan | string {
  const blocked = mustBeBound(claim) ?? mustAllowExpansion(claim) ?? mustBeExpandableByEbsCsi(claim) ?? mustHaveEbsVolume(claim);
  if (blocked) return blocked;
  const ebs = claim.ebs!;
  const requestBytes = parseQuantity(claim.request) ?? 0;
  const capacityBytes = parseQuantity(claim.capacity) ?? 0;
  const targetBytes = resolveTargetBytes(args.size, capacityBytes);
  const targetGiB = toGiBCeil(targetBytes);
  const refusal = neverShrink(targetBytes, requestBytes, capacityBytes) ?? withinTypeMaximum(targetGiB, ebs.volumeType);
  if (refusal) return refusal;

  const action: VolumePlan['action'] = capacityBytes >= targetBytes ? 'none' : requestBytes >= targetBytes ? 'finish' : 'resize';
  if (action === 'resize') {
    const known = knownModificationTimes(claim.modifications, claim.recordedModifications);
    const ebsBlock = noModificationInProgress(ebs.volumeId, claim.modifications) ?? withinModificationBudget(ebs.volumeId, known, now, settings);
    if (ebsBlock) return ebsBlock;
  }
  const price = observed.prices[ebs.volumeType] ?? undefined;
  return {
    namespace: claim.namespace,
    pvc: claim.name,
    pv: claim.pv!.name,
    volumeId: ebs.volumeId,
    volumeType: ebs.volumeType,
    availabilityZone: ebs.availabilityZone,
    request: claim.request ?? '',
    capacity: claim.capacity ?? '',
    currentGiB: ebs.sizeGiB,
    targetBytes,
    targetQuantity: toQuantity(targetBytes),
    targetGiB,
    action,
    expansion: expansionMode(claim, settings),
    pods: plannedPods(claim),
    pricePerGbMonth: price,
    monthlyCostDelta: price === undefined || action !== 'resize' ? undefined : roundCents(Math.max(0, targetGiB - ebs.sizeGiB) * price),
  };
}

function roundCents(usd: number): number {
  return Math.round(usd * 100) / 100;
}

function templateFix(observed: ResizeObserved, volumes: VolumePlan[]): ResizePlan['templateFix'] {
  const sts = observed.statefulSet;
  const template = sts?.templates[0];
  if (!sts || !template || volumes.length === 0) return undefined;
  const newBytes = Math.max(...volumes.map((v) => v.targetBytes));
  if ((parseQuantity(template.storage) ?? 0) >= newBytes) return undefined;
  const newStorage = toQuantity(newBytes);
  const ns = observed.namespace;
  return {
    statefulSet: sts.name,
    template: template.name,
    currentStorage: template.storage,
    newStorage,
    commands: [
      `kubectl -n ${ns} get statefulset ${sts.name} -o yaml > ${sts.name}.yaml`,
      `# in ${sts.name}.yaml set volumeClaimTemplates "${template.name}" spec.resources.requests.storage to ${newStorage}; drop status, metadata.uid and metadata.resourceVersion`,
      `kubectl -n ${ns} delete statefulset ${sts.name} --cascade=orphan   # pods and claims keep running`,
      `kubectl -n ${ns} apply -f ${sts.name}.yaml`,
    ],
  };
}

function targetRefusal(observed: ResizeObserved, args: ResizeArgs): string | undefined {
  const where = `${args.namespace}/${args.target.name}`;
  if (args.target.kind === 'pvc') return observed.claims.length === 0 ? `PersistentVolumeClaim ${where} was not found.` : undefined;
  if (args.target.kind === 'selector') {
    return observed.claims.length === 0 ? `No PersistentVolumeClaim in namespace ${args.namespace} has the labels ${args.target.name}.` : undefined;
  }
  const sts = observed.statefulSet;
  if (!sts) return `StatefulSet ${where} was not found.`;
  if (sts.templates.length === 0) return `StatefulSet ${where} has no volumeClaimTemplates: it owns no claims to grow.`;
  if (sts.templates.length > 1) {
    return `StatefulSet ${where} has several volume claim templates (${sts.templates.map((t) => t.name).join(', ')}): resize their claims one at a time with /deckhand resize ${args.namespace}/<pvc> <size>.`;
  }
  if (observed.claims.length === 0) return `StatefulSet ${where} has no claims yet (none named ${sts.templates[0]!.name}-${sts.name}-<ordinal>).`;
}

export function outsideNamespaces(args: ResizeArgs, settings: ResizeSettings): string | undefined {
  if (inScope([args.namespace], settings.namespaces)) return undefined;
  return `the policy does not let resize touch namespace ${args.namespace} (commands.resize.settings.namespaces: ${settings.namespaces.join(', ')})`;
}

export function planResize(observed: ResizeObserved, args: ResizeArgs, now: number, settings: ResizeSettings): PlanOutcome<ResizePlan> {
  const refusal = outsideNamespaces(args, settings) ?? targetRefusal(observed, args);
  if (refusal) return { kind: 'refusal', reason: refusal };

  const volumes: VolumePlan[] = [];
  const problems: string[] = [];
  for (const claim of observed.claims) {
    const planned = planVolume(claim, args, observed, now, settings);
    if (typeof planned === 'string') problems.push(`${claim.namespace}/${claim.name}: ${planned}.`);
    else volumes.push(planned);
  }
  if (problems.length > 0) return { kind: 'refusal', reason: `Cannot resize: ${problems.join(' ')}` };

  const deltas = volumes.filter((v) => v.action === 'resize').map((v) => v.monthlyCostDelta);
  const monthlyCostDelta = deltas.every((d) => d !== undefined) ? roundCents(deltas.reduce<number>((sum, d) => sum + (d ?? 0), 0)) : undefined;
  const plan: ResizePlan = {
    namespace: args.namespace,
    target: args.target,
    sizeText: args.sizeText,
    region: observed.region,
    volumes,
    monthlyCostDelta,
    templateFix: templateFix(observed, volumes),
  };
  const notes: string[] = [];
  const unpriced = [...new Set(volumes.filter((v) => v.action === 'resize' && v.pricePerGbMonth === undefined).map((v) => v.volumeType))];
  if (unpriced.length > 0) notes.push(`No Price List answer for ${unpriced.join(', ')} in ${observed.region}: the cost change is unknown.`);
  const empty = volumes.every((v) => v.action === 'none');
  return {
    kind: 'plan',
    plan,
    empty,
    emptyReason: empty ? `already ${args.sizeText.startsWith('+') ? 'resized' : `at ${args.sizeText}`}: nothing to do` : undefined,
    notes,
  };
}
