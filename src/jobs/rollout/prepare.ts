/**
 * Start and end of a rollout run. `prepare` locks the group (tag), records what it changes (checkpoint
 * and tag, before changing it), suspends AZRebalance, points the group at the target version with room
 * for the surge, and keeps cluster-autoscaler out. `cleanup` undoes exactly that (and deletes a temporary Redis
 * replica the run left behind, unless it still serves a primary's slots) and is idempotent:
 * it runs in `finally` and again at worker start-up for a run that died.
 */
import { RefusalError } from '../../errors.js';
import { cleanupParts, type CleanupReport } from '../kind.js';
import type { Clients } from '../../integrations/clients.js';
import type { Clock } from '../../integrations/clock.js';
import { deleteGroupTags, describeGroup, resumeProcesses, setGroupTags, suspendProcesses, updateGroup } from '../../integrations/aws/auto-scaling.js';
import { listNodes, removeTaint, setNodeAnnotations, setNodeLabels, setUnschedulable, type NodeView } from '../../integrations/kubernetes/nodes.js';
import { listPods, readDeploymentReplicas, scaleDeployment } from '../../integrations/kubernetes/pods.js';
import { API_CONCURRENCY, forEachLimit } from './pool.js';
import { apiServerIsLocal } from './redis-address.js';
import { removeLeftoverTemporaryReplicas } from './redis-temporary.js';
import { retryingKubernetes } from '../../integrations/retry-policy.js';
import { EXCLUDE_FROM_LB, LOCK_TAG, ORIGINAL_TAG, OWNER_ANNOTATION, PROCESSES_TO_SUSPEND, SCALE_DOWN_DISABLED } from './tags.js';
import type { RolloutContext, RolloutPlan, RolloutState } from './types.js';

export const CLUSTER_AUTOSCALER = { namespace: 'kube-system', name: 'cluster-autoscaler' };

type Recorded = NonNullable<RolloutState['recorded']>;

export async function prepare(ctx: RolloutContext): Promise<void> {
  const { plan, state, clients } = ctx;
  const retryK8s = <T>(call: () => Promise<T>) => retryingKubernetes(ctx.clock, ctx.signal, call);
  const group = await describeGroup(clients.autoScaling, plan.group);
  if (!group) throw new RefusalError(`the Auto Scaling group ${plan.group} no longer exists`);
  const holder = group.tags[LOCK_TAG];
  if (holder && holder !== ctx.planId) throw new RefusalError(`another rollout (${holder}) holds the lock on ${plan.group}`);

  if (!state.recorded) {
    state.runId = ctx.planId;
    state.startedAt = ctx.clock.now();
    state.recorded = {
      suspendedByUs: PROCESSES_TO_SUSPEND.filter((p) => !group.suspendedProcesses.includes(p)),
      autoscalerReplicas: plan.autoscalerMode === 'scale-to-zero' ? await retryK8s(() => readDeploymentReplicas(clients.kube, CLUSTER_AUTOSCALER.namespace, CLUSTER_AUTOSCALER.name)) : undefined,
      annotatedNodes: [],
      launchTemplateVersion: group.launchTemplate?.version,
    };
    await ctx.checkpoint();
  }
  const recorded = state.recorded;
  if (!holder) {
    await ctx.audit('autoscaling:CreateOrUpdateTags', { group: plan.group, keys: [LOCK_TAG, ORIGINAL_TAG] });
    await setGroupTags(clients.autoScaling, plan.group, { [LOCK_TAG]: ctx.planId, [ORIGINAL_TAG]: originalTag(plan, recorded) });
  }
  const toSuspend = recorded.suspendedByUs.filter((p) => !group.suspendedProcesses.includes(p));
  if (toSuspend.length) {
    await ctx.audit('autoscaling:SuspendProcesses', { group: plan.group, processes: toSuspend });
    await suspendProcesses(clients.autoScaling, plan.group, toSuspend);
  }
  const needsVersion = group.launchTemplate?.id !== plan.target.launchTemplateId || group.launchTemplate?.version !== plan.target.version;
  if (needsVersion || group.maxSize < plan.temporaryMaxSize) {
    const change = { maxSize: Math.max(group.maxSize, plan.temporaryMaxSize), launchTemplate: needsVersion ? { id: plan.target.launchTemplateId, version: plan.target.version } : undefined };
    await ctx.audit('autoscaling:UpdateAutoScalingGroup', { group: plan.group, ...change });
    await updateGroup(clients.autoScaling, plan.group, change);
  }
  await holdAutoscaler(ctx, recorded);
  await ctx.checkpoint();
}

function originalTag(plan: RolloutPlan, recorded: Recorded): string {
  return JSON.stringify({ desired: plan.original.desired, max: plan.original.max, version: plan.target.groupVersion, suspendedByUs: recorded.suspendedByUs, autoscalerReplicas: recorded.autoscalerReplicas });
}

/**
 * Keep cluster-autoscaler from removing or fighting nodes. scale-to-zero: here, before the surge.
 * annotate: the steps annotate old nodes while new ones boot, and new nodes once Ready (annotateScaleDownDisabled).
 */
async function holdAutoscaler(ctx: RolloutContext, recorded: Recorded): Promise<void> {
  const { plan, clients } = ctx;
  const retryK8s = <T>(call: () => Promise<T>) => retryingKubernetes(ctx.clock, ctx.signal, call);
  if (plan.autoscalerMode !== 'scale-to-zero' || !recorded.autoscalerReplicas) return;
  const current = await retryK8s(() => readDeploymentReplicas(clients.kube, CLUSTER_AUTOSCALER.namespace, CLUSTER_AUTOSCALER.name));
  if (current === 0) return;
  await ctx.audit('kubernetes:ScaleDeployment', { ...CLUSTER_AUTOSCALER, replicas: 0 });
  await retryK8s(() => scaleDeployment(clients.kube, CLUSTER_AUTOSCALER.namespace, CLUSTER_AUTOSCALER.name, 0));
}

/** Annotate nodes that lack the annotation; remember only those we changed so cleanup leaves others alone. */
export async function annotateScaleDownDisabled(ctx: RolloutContext, nodeNames: string[], listed?: NodeView[]): Promise<void> {
  const { plan, state, clients } = ctx;
  if (plan.autoscalerMode !== 'annotate' || !state.recorded || nodeNames.length === 0) return;
  const retryK8s = <T>(call: () => Promise<T>) => retryingKubernetes(ctx.clock, ctx.signal, call);
  const nodes = new Map((listed ?? (await retryK8s(() => listNodes(clients.kube)))).map((n) => [n.name, n]));
  const recorded = state.recorded;
  const todo = nodeNames.filter((name) => {
    const node = nodes.get(name);
    return node && !recorded.annotatedNodes.includes(name) && node.annotations[SCALE_DOWN_DISABLED] !== 'true';
  });
  if (todo.length === 0) return;
  recorded.annotatedNodes.push(...todo);
  await ctx.checkpoint();
  await forEachLimit(todo, API_CONCURRENCY, async (name) => {
    await ctx.audit('kubernetes:AnnotateNode', { node: name, [SCALE_DOWN_DISABLED]: 'true' });
    await retryK8s(() => setNodeAnnotations(clients.kube, name, { [SCALE_DOWN_DISABLED]: 'true' }));
  });
}

/** Untaint, unlabel and uncordon the nodes among `nodes` this run marked (its owner annotation); returns how many. */
export async function releaseNodes(input: { clients: Clients; clock: Clock; plan: RolloutPlan; state: RolloutState }, nodes: NodeView[]): Promise<number> {
  const { clients, plan, state } = input;
  const retryK8s = <T>(call: () => Promise<T>) => retryingKubernetes(input.clock, undefined, call);
  const owned = nodes.filter((n) => state.runId !== undefined && n.annotations[OWNER_ANNOTATION] === state.runId);
  for (const node of owned) {
    await retryK8s(() => removeTaint(clients.kube, node.name, plan.taintKey));
    await retryK8s(() => setNodeLabels(clients.kube, node.name, plan.excludeFromLbLabel ? { [EXCLUDE_FROM_LB]: null } : {}));
    if (plan.cordon && node.unschedulable) await retryK8s(() => setUnschedulable(clients.kube, node.name, false));
    await retryK8s(() => setNodeAnnotations(clients.kube, node.name, { [OWNER_ANNOTATION]: null }));
  }
  return owned.length;
}

/**
 * Restore everything the run changed, as recorded in the checkpoint before each change (the group's
 * tag mirrors it for people looking at the group). Safe to run any number of times. The Auto Scaling and the
 * Kubernetes parts run independently (an AWS outage never leaves nodes tainted); the lock tags go last, once
 * nothing else is left (`alsoLeft`: what the caller could not restore), so no other rollout starts on a group
 * this one has not given back.
 */
export async function cleanup(input: { clients: Clients; clock: Clock; plan: RolloutPlan; state: RolloutState }, alsoLeft: string[] = []): Promise<CleanupReport> {
  const { clients, clock, plan, state } = input;
  const retryK8s = <T>(call: () => Promise<T>) => retryingKubernetes(clock, undefined, call);
  const recorded = state.recorded;
  if (!state.runId || !recorded) return { done: [], left: [] };
  const runId = state.runId;
  let group: Awaited<ReturnType<typeof describeGroup>>;
  let groupError: unknown;
  try {
    group = await describeGroup(clients.autoScaling, plan.group);
    if (!group) return { done: [], left: [] };
    // Another run holding the group now (ours died and was cleaned before): leave its changes alone.
    const holder = group.tags[LOCK_TAG];
    if (holder !== undefined && holder !== runId) return { done: [], left: [] };
  } catch (err) {
    groupError = err;
  }
  const readGroup = async () => {
    if (!group) throw groupError;
    return group;
  };

  const report = await cleanupParts([
    {
      what: 'resume the suspended Auto Scaling processes and restore MaxSize',
      run: async () => {
        const g = await readGroup();
        const done: string[] = [];
        const toResume = recorded.suspendedByUs.filter((p) => g.suspendedProcesses.includes(p));
        if (toResume.length) {
          await resumeProcesses(clients.autoScaling, plan.group, toResume);
          done.push(`resumed ${toResume.join(', ')}`);
        }
        const maxSize = Math.max(plan.original.max, g.desiredCapacity);
        if (g.maxSize !== maxSize) {
          await updateGroup(clients.autoScaling, plan.group, { maxSize });
          done.push(`MaxSize back to ${maxSize}`);
        }
        return done;
      },
    },
    {
      what: 'restore cluster-autoscaler',
      run: async () => {
        if (plan.autoscalerMode !== 'scale-to-zero' || !recorded.autoscalerReplicas) return [];
        const current = await retryK8s(() => readDeploymentReplicas(clients.kube, CLUSTER_AUTOSCALER.namespace, CLUSTER_AUTOSCALER.name));
        if (current === undefined || current === recorded.autoscalerReplicas) return [];
        await retryK8s(() => scaleDeployment(clients.kube, CLUSTER_AUTOSCALER.namespace, CLUSTER_AUTOSCALER.name, recorded.autoscalerReplicas!));
        return [`cluster-autoscaler back to ${recorded.autoscalerReplicas} replica(s)`];
      },
    },
    {
      what: 'remove the taints, labels and scale-down-disabled annotations from nodes',
      run: async () => {
        const done: string[] = [];
        const nodes = new Map((await retryK8s(() => listNodes(clients.kube))).map((n) => [n.name, n]));
        let unannotated = 0;
        for (const name of recorded.annotatedNodes) {
          if (nodes.get(name)?.annotations[SCALE_DOWN_DISABLED] === undefined) continue;
          await retryK8s(() => setNodeAnnotations(clients.kube, name, { [SCALE_DOWN_DISABLED]: null }));
          unannotated++;
        }
        if (unannotated) done.push(`removed the scale-down-disabled annotation from ${unannotated} node(s)`);
        const released = await releaseNodes(input, [...nodes.values()]);
        if (released) done.push(`untainted ${released} node(s) left in service`);
        return done;
      },
    },
    {
      what: 'remove temporary Redis replicas',
      run: async () => {
        if (!Object.values(state.temporaryReplicas ?? {}).some((t) => !t.removed)) return [];
        const pods = await retryK8s(() => listPods(clients.kube));
        return removeLeftoverTemporaryReplicas(clients.kube, state, pods, apiServerIsLocal(clients.kube));
      },
    },
  ]);
  const left = [...alsoLeft, ...report.left];
  if (left.length > 0) return { ...report, left: [...left, `remove the ${LOCK_TAG} lock tags from ${plan.group} (after the rest)`] };
  const tagsGone = await cleanupParts([
    {
      what: `remove the ${LOCK_TAG} lock tags from ${plan.group}`,
      run: async () => {
        const tags = [LOCK_TAG, ORIGINAL_TAG].filter((k) => k in group!.tags);
        if (!tags.length) return [];
        await deleteGroupTags(clients.autoScaling, plan.group, tags);
        return ['released the lock'];
      },
    },
  ]);
  return { done: [...report.done, ...tagsGone.done], left: tagsGone.left };
}
