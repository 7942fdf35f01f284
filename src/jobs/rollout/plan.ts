/**
 * The pure rollout planner: observed group, nodes, pods and PDBs + args + settings -> plan or refusal.
 * No I/O, no clock, no randomness. Safety rules and choices are small named functions below.
 */
import { formatDuration } from '../../time.js';
import { pdbsCovering } from '../../integrations/kubernetes/selectors.js';
import type { PlanOutcome } from '../kind.js';
import { inScope } from '../scope.js';
import { estimateDuration, estimateInputs } from './estimate.js';
import { rolloutCostChange } from './cost.js';
import type { RolloutSettings } from './settings.js';
import { DECKHAND_POD_LABEL, isSentinelPod, LOCK_TAG, MANAGED_TAG } from './tags.js';
import type {
  ObservedInstance,
  ObservedPdb,
  ObservedPod,
  RolloutArgs,
  RolloutObserved,
  RolloutPlan,
  PlanNode,
  PlanPod,
  Risk,
  Wave,
} from './types.js';

const GONE_STATES = new Set(['Terminating', 'Terminating:Wait', 'Terminating:Proceed', 'Terminated', 'Detaching', 'Detached']);

export function refuseWhileInstanceRefresh(observed: RolloutObserved): string | undefined {
  if (!observed.activeInstanceRefresh) return undefined;
  return `an Instance Refresh is ${observed.activeInstanceRefresh} on ${observed.group.name}; wait for it to finish or cancel it, then plan again`;
}

export function refuseUnmanaged(observed: RolloutObserved): string | undefined {
  const name = observed.group.name;
  if (observed.group.tags[MANAGED_TAG] === 'true') return undefined;
  return (
    `${name} does not carry the tag ${MANAGED_TAG}=true, and deckhand's IAM policy lets it change only groups that do. ` +
    `If deckhand should roll this group, tag it: aws autoscaling create-or-update-tags --tags ResourceId=${name},ResourceType=auto-scaling-group,Key=${MANAGED_TAG},Value=true,PropagateAtLaunch=false`
  );
}

export function refuseWhileLocked(observed: RolloutObserved): string | undefined {
  const holder = observed.group.tags[LOCK_TAG];
  if (!holder) return undefined;
  return `another rollout (${holder}) holds the lock on ${observed.group.name}; wait for it to finish (its cleanup removes the ${LOCK_TAG} tag)`;
}

export function refuseOutsideScope(observed: RolloutObserved, settings: RolloutSettings): string | undefined {
  if (inScope([observed.group.name], settings.groups)) return undefined;
  return `the policy does not let rollouts touch ${observed.group.name} (commands.rollout.settings.groups: ${settings.groups.join(', ')})`;
}

export function refuseOverLimits(args: RolloutArgs, settings: RolloutSettings): string | undefined {
  const { limits } = settings;
  const over = [
    args.surge !== undefined && args.surge > limits.surge && `--surge ${args.surge} is above the policy's limit of ${limits.surge}`,
    args.maxUnavailable !== undefined && args.maxUnavailable > limits.maxUnavailable && `--max-unavailable ${args.maxUnavailable} is above the policy's limit of ${limits.maxUnavailable}`,
    args.drainTimeoutMs !== undefined && args.drainTimeoutMs > limits.drainTimeout && `--drain-timeout ${formatDuration(args.drainTimeoutMs)} is above the policy's limit of ${formatDuration(limits.drainTimeout)}`,
  ].filter(Boolean);
  return over.length ? `${over.join('; ')} (commands.rollout.settings.limits)` : undefined;
}

/** `--cluster` picks a kubeconfig context; a name the policy does not map is refused rather than ignored. */
export function refuseUnknownCluster(args: RolloutArgs, settings: RolloutSettings): string | undefined {
  if (args.cluster === undefined || (settings.clusters && Object.hasOwn(settings.clusters, args.cluster))) return undefined;
  const known = Object.keys(settings.clusters ?? {});
  return `unknown cluster '${args.cluster}'; known: ${known.length ? known.join(', ') : 'none (commands.rollout.settings.clusters maps names to kubeconfig contexts)'}`;
}

/** An instance is outdated when it runs another launch template or another version than the target. */
export function isOutdated(instance: ObservedInstance, target: { launchTemplateId: string; version: string }): boolean {
  return instance.launchTemplateId !== target.launchTemplateId || instance.launchTemplateVersion !== target.version;
}

export function liveInstances(instances: ObservedInstance[]): ObservedInstance[] {
  return instances.filter((i) => !GONE_STATES.has(i.lifecycleState));
}

/**
 * Default surge: every outdated node in one AZ-balanced wave (capped by the group's desired size,
 * i.e. at most doubling it, like Instance Refresh at 200 % max healthy). One wave pays the node boot once
 * and lets every workload's PDB pace its evictions across all old nodes at once, which is what keeps
 * a big rollout near its physical lower bound. Lower it in the policy file to trade speed for cost.
 */
export function chooseSurge(outdatedCount: number, desired: number): number {
  return Math.max(1, Math.min(outdatedCount, Math.max(desired, 1)));
}

/** Interleave AZs (largest first) so consecutive instances rotate through zones, then cut into waves. */
export function azBalancedWaves(outdated: ObservedInstance[], surge: number, canary: boolean): Wave[] {
  const byAz = new Map<string, string[]>();
  for (const instance of [...outdated].sort((a, b) => a.instanceId.localeCompare(b.instanceId))) {
    const list = byAz.get(instance.availabilityZone) ?? [];
    list.push(instance.instanceId);
    byAz.set(instance.availabilityZone, list);
  }
  const zones = [...byAz.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  const order: string[] = [];
  for (let i = 0; order.length < outdated.length; i++) {
    for (const [, ids] of zones) if (i < ids.length) order.push(ids[i]!);
  }
  const waves: Wave[] = [];
  let rest = order;
  if (canary && rest.length > 0) {
    waves.push({ index: 1, canary: true, instanceIds: [rest[0]!] });
    rest = rest.slice(1);
  }
  for (let i = 0; i < rest.length; i += surge) {
    waves.push({ index: waves.length + 1, canary: false, instanceIds: rest.slice(i, i + surge) });
  }
  return waves;
}


/** Pods a PDB lets go at once: its maxUnavailable, or replicas - minAvailable; at least 1 for the model. */
export function pdbBudget(pdb: ObservedPdb): number {
  const resolve = (v: string | number, total: number, roundUp: boolean) =>
    typeof v === 'number' ? v : (roundUp ? Math.ceil : Math.floor)((Number.parseFloat(v) / 100) * total);
  const total = pdb.expectedPods;
  if (pdb.maxUnavailable !== undefined) return Math.max(1, resolve(pdb.maxUnavailable, total, true));
  if (pdb.minAvailable !== undefined) return Math.max(1, total - resolve(pdb.minAvailable, total, true));
  return Math.max(1, total - pdb.desiredHealthy);
}

const key = (ns: string, name: string) => `${ns}/${name}`;

function planPod(pod: ObservedPod, pdbs: ObservedPdb[]): PlanPod {
  return {
    namespace: pod.namespace,
    name: pod.name,
    controller: pod.controller,
    daemonSet: pod.controller?.kind === 'DaemonSet',
    procedure: pod.procedure,
    redisRole: pod.redisRole,
    redisProblem: pod.redisProblem,
    hasEmptyDir: pod.hasEmptyDir,
    graceSeconds: pod.graceSeconds,
    pdbs: pdbsCovering(pod, pdbs).map((p) => key(p.namespace, p.name)),
  };
}

function planNodes(observed: RolloutObserved, outdated: ObservedInstance[]): PlanNode[] {
  const nodeByInstance = new Map(observed.nodes.filter((n) => n.instanceId).map((n) => [n.instanceId!, n]));
  const active = observed.pods.filter((p) => p.phase !== 'Succeeded' && p.phase !== 'Failed');
  return outdated.map((instance) => {
    const node = nodeByInstance.get(instance.instanceId);
    const pods = node ? active.filter((p) => p.nodeName === node.name) : [];
    return {
      instanceId: instance.instanceId,
      availabilityZone: instance.availabilityZone,
      nodeName: node?.name,
      pods: pods.map((p) => planPod(p, observed.pdbs)).sort((a, b) => key(a.namespace, a.name).localeCompare(key(b.namespace, b.name))),
    };
  });
}

const movable = (pod: PlanPod) => !pod.daemonSet;

export function findRisks(observed: RolloutObserved, nodes: PlanNode[], waves: Wave[], surge: number): Risk[] {
  const risks: Risk[] = [];
  const moving = nodes.flatMap((n) => n.pods.filter(movable).map((pod) => ({ node: n, pod })));
  const pdbsInPlay = new Set(moving.flatMap(({ pod }) => pod.pdbs));
  for (const pdb of observed.pdbs) {
    const id = key(pdb.namespace, pdb.name);
    if (pdbsInPlay.has(id) && pdb.disruptionsAllowed <= 0) {
      risks.push({ kind: 'pdb-blocking', subject: id, detail: `allows no disruption now (${pdb.currentHealthy}/${pdb.desiredHealthy} healthy): its pods wait, then the drain timeout asks` });
    }
  }
  const controllersInPlay = new Set(moving.map(({ pod }) => pod.controller && key(pod.controller.namespace, pod.controller.name)));
  for (const w of observed.workloads) {
    if (w.kind === 'DaemonSet' || !controllersInPlay.has(key(w.namespace, w.name))) continue;
    if (w.replicas <= 1) risks.push({ kind: 'single-replica', subject: `${w.kind} ${key(w.namespace, w.name)}`, detail: 'one replica: unavailable while it moves' });
  }
  for (const { node, pod } of moving) {
    const id = key(pod.namespace, pod.name);
    if (!pod.controller) risks.push({ kind: 'bare-pod', subject: id, detail: `no controller: evicted from ${node.nodeName} and not recreated` });
    if (pod.hasEmptyDir) risks.push({ kind: 'empty-dir', subject: id, detail: 'emptyDir data is lost when it moves' });
    if (pod.procedure === 'redis-sentinel' && pod.redisRole === 'master') {
      risks.push({ kind: 'redis-sentinel-master', subject: id, detail: 'Sentinel master: SENTINEL FAILOVER, confirm the new master, move the pod, wait for its sync as replica' });
    }
    if (pod.procedure === 'redis-cluster' && pod.redisRole === 'master') {
      risks.push({ kind: 'redis-cluster-primary', subject: id, detail: `Cluster primary: CLUSTER FAILOVER on a replica off the node, confirm with ROLE, wait for cluster_state:ok. With no replica: temporary replica ${pod.name}-deckhand-tmp from its StatefulSet's template joins (CLUSTER MEET, REPLICATE), takes over, the pod moves and syncs from it, fail back, then the temporary node is forgotten and deleted` });
    }
    if (pod.procedure && pod.redisRole === 'unknown') {
      risks.push({ kind: 'redis-unverified', subject: id, detail: `Redis role not verified (${pod.redisProblem ?? 'unknown'}): the run checks again before moving it and, if it still cannot, stops and asks` });
    }
  }
  // The order the drain keeps for each Redis set on the nodes it replaces (redis-order.ts).
  const redisSets = new Map<string, string>();
  for (const { pod } of moving) {
    const observedPod = observed.pods.find((p) => p.namespace === pod.namespace && p.name === pod.name);
    if (!pod.controller || !(pod.procedure || (observedPod && isSentinelPod(observedPod)))) continue;
    const subject = `${pod.controller.kind} ${key(pod.controller.namespace, pod.controller.name)}`;
    redisSets.set(subject, pod.procedure
      ? 'one pod at a time, each back Ready and its replicas in sync before the next; replicas move first, a master only after its failover'
      : 'one Sentinel at a time, the next once its replacement is Ready; never fewer Ready than the quorum');
  }
  for (const [subject, detail] of redisSets) risks.push({ kind: 'redis-order', subject, detail });
  for (const { node, pod } of moving) {
    const own = observed.pods.find((p) => p.namespace === pod.namespace && p.name === pod.name)?.labels[DECKHAND_POD_LABEL.key] === DECKHAND_POD_LABEL.value;
    if (own) {
      risks.push({ kind: 'deckhand-itself', subject: key(pod.namespace, pod.name), detail: `deckhand's own pod on ${node.nodeName}: it is evicted mid-run (a worker resumes from its checkpoint); keep deckhand off this group (docs/permissions.md)` });
    }
  }
  for (const node of nodes) {
    if (!node.nodeName) risks.push({ kind: 'no-node', subject: node.instanceId, detail: 'no Kubernetes node has this providerID: it is terminated without a drain' });
  }
  const podsPerNode = Math.min(...observed.nodes.map((n) => n.allocatablePods ?? Infinity));
  if (Number.isFinite(podsPerNode)) {
    const daemonPerNode = Math.max(0, ...nodes.map((n) => n.pods.filter((p) => p.daemonSet).length));
    const room = surge * Math.max(0, podsPerNode - daemonPerNode);
    const byInstance = new Map(nodes.map((n) => [n.instanceId, n]));
    for (const wave of waves) {
      const evicted = wave.instanceIds.reduce((sum, id) => sum + (byInstance.get(id)?.pods.filter(movable).length ?? 0), 0);
      const waveRoom = wave.canary ? Math.max(0, podsPerNode - daemonPerNode) : room;
      if (evicted > waveRoom) {
        risks.push({ kind: 'capacity', subject: `wave ${wave.index}`, detail: `${evicted} pods to move but its new nodes hold about ${waveRoom} (${podsPerNode} pods per node): some may stay Pending` });
      }
    }
  }
  return risks;
}

/** The one numbered version of the same template the outdated instances run, if there is exactly one. */
export function rollbackVersion(outdated: ObservedInstance[], launchTemplateId: string): string | undefined {
  const versions = new Set(outdated.map((i) => (i.launchTemplateId === launchTemplateId ? i.launchTemplateVersion : undefined)));
  const [only] = [...versions];
  return versions.size === 1 && only && /^\d+$/.test(only) ? only : undefined;
}

export function planRollout(observed: RolloutObserved, args: RolloutArgs, _now: number, settings: RolloutSettings): PlanOutcome<RolloutPlan> {
  const refusal =
    refuseUnknownCluster(args, settings) ??
    refuseOutsideScope(observed, settings) ??
    refuseOverLimits(args, settings) ??
    refuseUnmanaged(observed) ??
    refuseWhileInstanceRefresh(observed) ??
    refuseWhileLocked(observed);
  if (refusal) return { kind: 'refusal', reason: refusal };
  const target = observed.target;
  if (!target) return { kind: 'refusal', reason: observed.targetError ?? `${observed.group.name} has no launch template to roll to` };

  const group = observed.group;
  const live = liveInstances(group.instances);
  const outdated = live.filter((i) => isOutdated(i, target));
  const surge = args.surge ?? settings.surge ?? chooseSurge(outdated.length, group.desiredCapacity);
  const waves = azBalancedWaves(outdated, surge, args.canary);
  const nodes = planNodes(observed, outdated);
  const budgets = new Map(observed.pdbs.map((p) => [key(p.namespace, p.name), pdbBudget(p)]));
  const plan: RolloutPlan = {
    group: group.name,
    cluster: args.cluster,
    target,
    rollbackVersion: rollbackVersion(outdated, target.launchTemplateId),
    original: { desired: group.desiredCapacity, min: group.minSize, max: group.maxSize, suspendedProcesses: [...group.suspendedProcesses].sort() },
    instanceIdsAtPlan: group.instances.map((i) => i.instanceId).sort(),
    surge,
    maxUnavailable: args.maxUnavailable ?? settings.maxUnavailable,
    temporaryMaxSize: Math.max(group.maxSize, group.desiredCapacity + surge),
    canary: args.canary,
    drainTimeoutMs: args.drainTimeoutMs ?? settings.drainTimeoutMs,
    nodeReadyTimeoutMs: settings.nodeReadyTimeoutMs,
    autoscalerMode: settings.autoscalerMode,
    taintKey: settings.taintKey,
    cordon: settings.cordon,
    excludeFromLbLabel: settings.excludeFromLbLabel,
    redisFailBack: settings.redisFailBack,
    nodes,
    waves,
    risks: findRisks(observed, nodes, waves, surge),
    estimate: estimateDuration(nodes, waves, estimateInputs(observed, settings), budgets),
  };
  const costChange = rolloutCostChange(outdated.flatMap((i) => (i.instanceType ? [i.instanceType] : [])), target.instanceType, observed.instancePrices);
  if (costChange) plan.costChange = costChange;
  if (outdated.length === 0) return { kind: 'plan', plan, empty: true, emptyReason: `already up to date: every instance of ${group.name} runs version ${target.version}` };
  return { kind: 'plan', plan, empty: false };
}
