/**
 * The rollout's duration model, fed by what the group itself shows (pure: observed state + settings in, numbers
 * and the reasons for them out). Each input comes from history when there is some, else from the stated default
 * in the policy file (`commands.rollout.settings.estimate`), and the plan says which.
 *
 *   wave  = api (raise desired) + nodeReady + redis + drain + api (terminate)
 *   nodeReady = median over the group's recent launches (DescribeScalingActivities) of launch → InService, plus
 *               the median InService → Node Ready (the Node's Ready condition) of those still running
 *   redis = for each pod a typed Redis procedure moves (known role), one at a time:
 *               redisMoveSeconds (failover and sync) + grace + its pod start
 *   drain = max over the other workloads W on the wave's nodes of
 *             Deployment-like: (ceil(n_W / b_W) - 1) * start_W + max(grace, start_W)
 *             StatefulSet:      ceil(n_W / b_W) * (grace + start_W)
 * where n_W = W's pods on the wave's nodes, b_W = pods W's PDB lets go at once (n_W without a PDB) and start_W =
 * the median pod start → Ready of W's running pods: each PDB batch waits for its replacements to be Ready
 * before the next eviction is allowed; a StatefulSet recreates a pod only once the old one is gone (same
 * identity), so its batches also pay the grace period; the last batch needs its grace period (node empty) and
 * its replacements Ready (workload available).
 *   total = sum over waves (canary pause and human answers not counted).
 */
import { formatDuration } from '../../time.js';
import type { RolloutSettings } from './settings.js';
import type { Estimate, PlanNode, PlanPod, RolloutObserved, Wave } from './types.js';

/** How many of the group's latest launches speak for the next one. */
export const RECENT_LAUNCHES = 10;

export interface EstimateInputs {
  nodeReadySeconds: number;
  /** Pod start → Ready by controller (`namespace/name`), where observed. */
  podStartSeconds: Record<string, number>;
  defaultPodStartSeconds: number;
  apiSeconds: number;
  redisMoveSeconds: number;
  /** What each input rests on, for the plan. */
  basis: string[];
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;
const controllerKey = (c: { namespace: string; name: string }) => `${c.namespace}/${c.name}`;

/** Launch → Node Ready from the group's latest launches whose node is still there to say when it turned Ready. */
export function nodeReadyFromHistory(observed: RolloutObserved, settings: RolloutSettings): { seconds: number; basis: string } {
  const readyAt = new Map(observed.nodes.filter((n) => n.instanceId && n.readySince !== undefined).map((n) => [n.instanceId!, n.readySince!]));
  const recent = [...observed.launches].sort((a, b) => b.startedAt - a.startedAt).slice(0, RECENT_LAUNCHES);
  const toInService = recent.map((l) => l.inServiceAt - l.startedAt);
  const toReady = recent.flatMap((l) => {
    const ready = readyAt.get(l.instanceId);
    return ready !== undefined && ready >= l.inServiceAt ? [ready - l.inServiceAt] : [];
  });
  const launch = median(toInService);
  const kubelet = median(toReady);
  const fallback = settings.estimate.nodeReadySeconds;
  if (launch === undefined || kubelet === undefined) {
    const why = launch === undefined ? `no recent launch of ${observed.group.name}` : `none of ${observed.group.name}'s recent launches has a Ready node left`;
    return { seconds: fallback, basis: `node Ready ${formatDuration(fallback * 1000)}: the stated default (${why})` };
  }
  const total = seconds(launch + kubelet);
  return {
    seconds: total,
    basis: `node Ready ${formatDuration(total * 1000)}: median launch → InService ${formatDuration(launch)} over the last ${toInService.length} launch(es), InService → Node Ready ${formatDuration(kubelet)} over ${toReady.length}`,
  };
}

/** Pod start → Ready per controller, from its pods that started and turned Ready while observed. */
export function podStartsFromHistory(observed: RolloutObserved, settings: RolloutSettings): { byController: Record<string, number>; basis: string } {
  const samples = new Map<string, number[]>();
  for (const pod of observed.pods) {
    // DaemonSet pods never move; only what a drain recreates elsewhere is worth a sample.
    if (!pod.controller || pod.controller.kind === 'DaemonSet' || pod.startedAt === undefined || pod.readySince === undefined) continue;
    // Ready no later than started: the pod ran before anyone watched it start (nothing to learn).
    if (pod.readySince <= pod.startedAt) continue;
    const key = controllerKey(pod.controller);
    samples.set(key, [...(samples.get(key) ?? []), pod.readySince - pod.startedAt]);
  }
  const byController = Object.fromEntries([...samples].map(([key, values]) => [key, seconds(median(values)!)]));
  const fallback = formatDuration(settings.estimate.podStartSeconds * 1000);
  const observedList = Object.entries(byController)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, s]) => `${key} ${formatDuration(s * 1000)}`);
  const basis = observedList.length
    ? `pod start → Ready (median of running pods): ${observedList.join(', ')}; others ${fallback} (stated default)`
    : `pod start → Ready ${fallback}: the stated default (no running pod of the group shows its start)`;
  return { byController, basis };
}

export function estimateInputs(observed: RolloutObserved, settings: RolloutSettings): EstimateInputs {
  const node = nodeReadyFromHistory(observed, settings);
  const pods = podStartsFromHistory(observed, settings);
  const { apiSeconds, podStartSeconds, redisMoveSeconds } = settings.estimate;
  return {
    nodeReadySeconds: node.seconds,
    podStartSeconds: pods.byController,
    defaultPodStartSeconds: podStartSeconds,
    apiSeconds,
    redisMoveSeconds,
    basis: [
      node.basis,
      pods.basis,
      `PDB pacing: each workload's pods leave in batches its PDB allows, each batch waiting for its replacements to be Ready`,
      `Redis: ${formatDuration(redisMoveSeconds * 1000)} per pod a procedure moves (failover and sync; stated default), one at a time`,
      `API calls ${formatDuration(apiSeconds * 1000)} to scale and to terminate (stated default)`,
    ],
  };
}

const movedByProcedure = (pod: PlanPod) => pod.procedure !== undefined && (pod.redisRole === 'master' || pod.redisRole === 'replica');

export function estimateDuration(nodes: PlanNode[], waves: Wave[], inputs: EstimateInputs, pdbBudgets: Map<string, number>): Estimate {
  const { nodeReadySeconds, apiSeconds, redisMoveSeconds } = inputs;
  const startOf = (pod: PlanPod) => (pod.controller && inputs.podStartSeconds[controllerKey(pod.controller)]) || inputs.defaultPodStartSeconds;
  const byInstance = new Map(nodes.map((n) => [n.instanceId, n]));
  const waveSeconds = waves.map((wave) => {
    const pods = wave.instanceIds.flatMap((id) => byInstance.get(id)?.pods.filter((p) => !p.daemonSet) ?? []);
    const redis = pods.filter(movedByProcedure).reduce((sum, pod) => sum + redisMoveSeconds + pod.graceSeconds + startOf(pod), 0);
    const groups = new Map<string, { n: number; budget: number; grace: number; start: number; ordered: boolean }>();
    for (const pod of pods.filter((p) => !movedByProcedure(p))) {
      const group = pod.controller ? controllerKey(pod.controller) : `${pod.namespace}/${pod.name}`;
      const entry = groups.get(group) ?? { n: 0, budget: Infinity, grace: 0, start: startOf(pod), ordered: pod.controller?.kind === 'StatefulSet' };
      entry.n += 1;
      entry.grace = Math.max(entry.grace, pod.graceSeconds);
      for (const pdbId of pod.pdbs) entry.budget = Math.min(entry.budget, pdbBudgets.get(pdbId) ?? Infinity);
      groups.set(group, entry);
    }
    let drain = 0;
    for (const { n, budget, grace, start, ordered } of groups.values()) {
      const batches = Math.ceil(n / Math.min(n, budget));
      drain = Math.max(drain, ordered ? batches * (grace + start) : (batches - 1) * start + Math.max(grace, start));
    }
    return Math.round(apiSeconds + nodeReadySeconds + redis + drain + apiSeconds);
  });
  return {
    totalSeconds: waveSeconds.reduce((a, b) => a + b, 0),
    waveSeconds,
    model: `per wave: ${apiSeconds}s scale + ${nodeReadySeconds}s node Ready + Redis moves + drain (PDB batches × pod start, + grace per batch for StatefulSets, + grace for the last batch) + ${apiSeconds}s terminate`,
    basis: inputs.basis,
  };
}
