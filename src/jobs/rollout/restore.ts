/**
 * What a rollout owes its group at the end, whatever the outcome (Cancel, Abort, Roll back, a failure): its
 * original DesiredCapacity and MaxSize, and the launch template version it was configured with unless every
 * outdated node was replaced. The surplus (new instances not yet traded for old ones) is removed the safe way:
 * the old nodes that stay are untainted first, then the instances that carry the least are chosen (not yet
 * Ready, then fewest pods, then the ones this run launched), drained through the Eviction API and terminated
 * with ShouldDecrementDesiredCapacity=true. A node that cannot be emptied (Redis pods need their procedure, a
 * PDB that lets nothing go) stays in service and the report names it with the commands to finish by hand.
 * Works from observed state only, so running it again after a crash mid-way is harmless.
 */
import type { Logger } from '../../logger.js';
import { describeGroup, terminateInstance, updateGroup, type GroupView } from '../../integrations/aws/auto-scaling.js';
import { listNodes, type NodeView } from '../../integrations/kubernetes/nodes.js';
import { listPods, type PodView } from '../../integrations/kubernetes/pods.js';
import type { KindContext } from '../kind.js';
import { drainNodes, mustLeave } from './drain.js';
import { PROCEDURE_LABEL } from './observe.js';
import { releaseNodes } from './prepare.js';
import { retryingKubernetes } from '../../integrations/retry-policy.js';
import type { RolloutSettings } from './settings.js';
import { confirmGone, LIVE, taintOld } from './steps.js';
import { LOCK_TAG } from './tags.js';
import type { GroupReport, RolloutContext, RolloutPlan, RolloutState } from './types.js';

export type Restored = Pick<GroupReport, 'removed' | 'left'>;

export type CleanupContext = KindContext<RolloutSettings> & { plan: RolloutPlan; state: RolloutState };

export interface SurplusCandidate {
  instanceId: string;
  /** InService with a Ready Node: taking it out costs capacity. */
  serving: boolean;
  /** Pods that would have to leave (not DaemonSet pods, not finished ones). */
  pods: number;
  /** Carries a pod only its Redis procedure may move: never drained by the restore. */
  redis: boolean;
  launchedByRun: boolean;
}

/** Pure: the `surplus` instances to remove, cheapest first; fewer when too few can be removed safely. */
export function chooseSurplus(candidates: SurplusCandidate[], surplus: number): string[] {
  return candidates
    .filter((c) => !c.redis)
    .sort(
      (a, b) =>
        Number(a.serving) - Number(b.serving) ||
        a.pods - b.pods ||
        Number(b.launchedByRun) - Number(a.launchedByRun) ||
        a.instanceId.localeCompare(b.instanceId),
    )
    .slice(0, Math.max(0, surplus))
    .map((c) => c.instanceId);
}

function candidates(plan: RolloutPlan, group: GroupView, nodes: NodeView[], pods: PodView[]): SurplusCandidate[] {
  const atPlan = new Set(plan.instanceIdsAtPlan);
  const nodeOf = new Map(nodes.filter((n) => n.instanceId).map((n) => [n.instanceId!, n]));
  return group.instances
    .filter((i) => LIVE.has(i.lifecycleState))
    .map((i) => {
      const node = nodeOf.get(i.instanceId);
      const onNode = node ? pods.filter((p) => p.nodeName === node.name && mustLeave(p)) : [];
      return {
        instanceId: i.instanceId,
        serving: i.lifecycleState === 'InService' && node?.ready === true,
        pods: onNode.length,
        redis: onNode.some((p) => p.labels[PROCEDURE_LABEL] !== undefined),
        launchedByRun: !atPlan.has(i.instanceId),
      };
    });
}

/** Steps' helpers (drain, taint, confirm) run here with no thread to talk to: a drain timeout means "give up on that node". */
function restoreContext(ctx: CleanupContext, runId: string): RolloutContext {
  const log: Logger = ctx.log;
  return {
    ...ctx,
    planId: runId,
    jobId: runId,
    signal: new AbortController().signal,
    progress: { status: () => undefined, milestone: async () => undefined, file: async () => undefined },
    checkpoint: async () => undefined,
    cancelRequested: async () => false,
    ask: async () => 'abort',
    audit: async (action, details) => log.info({ action, details }, 'restoring the group'),
  };
}

/** Every outdated instance the plan named is gone: the run did what it was asked, keep the target version. */
function complete(plan: RolloutPlan, group: GroupView): boolean {
  const live = new Set(group.instances.filter((i) => LIVE.has(i.lifecycleState)).map((i) => i.instanceId));
  return plan.nodes.every((n) => !live.has(n.instanceId));
}

/**
 * Give the group back its original size and version. Only while this run still holds the group's lock tag
 * (cleanup deletes the tag last), so a group someone changed after this run was cleaned up is never touched.
 */
export async function restoreGroup(ctx: CleanupContext): Promise<Restored> {
  const { clients, plan, state } = ctx;
  const retryK8s = <T>(call: () => Promise<T>) => retryingKubernetes(ctx.clock, undefined, call);
  const runId = state.runId;
  const group = await describeGroup(clients.autoScaling, plan.group);
  if (!group || !runId || !state.recorded || group.tags[LOCK_TAG] !== runId) return { removed: [], left: [] };
  const run = restoreContext(ctx, runId);
  const removed: string[] = [];
  const left: Restored['left'] = [];

  const surplus = group.desiredCapacity - plan.original.desired;
  const nodes = await retryK8s(() => listNodes(clients.kube));
  const pods = await retryK8s(() => listPods(clients.kube));
  const chosen = chooseSurplus(candidates(plan, group, nodes, pods), surplus);
  // Capacity first: the old nodes that stay take pods again before anything is taken out.
  await releaseNodes(ctx, nodes.filter((n) => !n.instanceId || !chosen.includes(n.instanceId)));
  if (surplus > chosen.length) left.push({ what: `${surplus - chosen.length} instance(s) above the original desired capacity ${plan.original.desired}: each carries Redis pods, which only a rollout's procedure moves` });

  const nodeOf = new Map(nodes.filter((n) => n.instanceId).map((n) => [n.instanceId!, n.name]));
  const targets = chosen.flatMap((id) => (nodeOf.has(id) ? [{ instanceId: id, nodeName: nodeOf.get(id)! }] : []));
  const loaded = targets.filter((t) => pods.some((p) => p.nodeName === t.nodeName && mustLeave(p)));
  if (loaded.length) {
    await taintOld(run, loaded);
    await drainNodes(run, loaded, { label: 'Restoring the group', allowSkip: false }).catch((err: unknown) => ctx.log.warn({ err }, 'restore drain gave up'));
  }
  const after = await retryK8s(() => listPods(clients.kube));
  const stuck = new Set(targets.filter((t) => after.some((p) => p.nodeName === t.nodeName && mustLeave(p))).map((t) => t.instanceId));
  for (const id of chosen) {
    if (stuck.has(id)) {
      const node = nodeOf.get(id)!;
      left.push({ what: `${id} (${node}) still runs pods`, command: `kubectl drain ${node} --ignore-daemonsets --delete-emptydir-data && aws autoscaling terminate-instance-in-auto-scaling-group --instance-id ${id} --should-decrement-desired-capacity` });
      continue;
    }
    await run.audit('autoscaling:TerminateInstanceInAutoScalingGroup', { instanceId: id, shouldDecrementDesiredCapacity: true, reason: 'restoring the original desired capacity' });
    await terminateInstance(clients.autoScaling, id, true);
    removed.push(id);
  }
  if (removed.length) await confirmGone(run, removed, 'Restoring the group');
  if (stuck.size) await releaseNodes(ctx, nodes.filter((n) => n.instanceId && stuck.has(n.instanceId)));

  const original = state.recorded.launchTemplateVersion ?? plan.target.groupVersion;
  const restoreVersion = !complete(plan, group) && group.launchTemplate?.id === plan.target.launchTemplateId && group.launchTemplate.version === plan.target.version && original !== plan.target.version;
  if (restoreVersion) {
    const launchTemplate = { id: plan.target.launchTemplateId, version: original };
    await run.audit('autoscaling:UpdateAutoScalingGroup', { group: plan.group, launchTemplate });
    await updateGroup(clients.autoScaling, plan.group, { launchTemplate });
  }
  return { removed, left };
}

/** The group as it stands after cleanup, for the summary. */
export async function reportGroup(ctx: CleanupContext, restored: Restored): Promise<void> {
  const group = await describeGroup(ctx.clients.autoScaling, ctx.plan.group);
  if (!group) return;
  const versions: Record<string, number> = {};
  for (const i of group.instances.filter((x) => LIVE.has(x.lifecycleState))) {
    const v = i.launchTemplateVersion ?? 'unknown';
    versions[v] = (versions[v] ?? 0) + 1;
  }
  ctx.state.finalGroup = { desired: group.desiredCapacity, max: group.maxSize, version: group.launchTemplate?.version, versions, ...restored };
}
