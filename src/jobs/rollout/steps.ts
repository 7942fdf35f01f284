/**
 * The rollout step machine. Per wave: surge -> wait for this group's new instances (InService and Node Ready by
 * providerID) -> taint old nodes, only as many as keeps schedulable Ready capacity at or above desired -
 * maxUnavailable (pods created meanwhile always have somewhere to go) -> drain (Redis procedures first, then evictions) -> wait for
 * the moved workloads, then terminate each empty node with ShouldDecrementDesiredCapacity=true and confirm.
 * Every step is idempotent: values it sets are recorded in the checkpoint before the call, and a
 * termination is requested only for an instance still InService, so no instance is terminated twice.
 */
import { RefusalError, UserFacingError } from '../../errors.js';
import { formatDuration } from '../../time.js';
import { describeGroup, setDesiredCapacity, terminateInstance, updateGroup, type GroupView } from '../../integrations/aws/auto-scaling.js';
import { addTaint, listNodes, setNodeAnnotations, setNodeLabels, setUnschedulable, type NodeView } from '../../integrations/kubernetes/nodes.js';
import { listPods, listWorkloads } from '../../integrations/kubernetes/pods.js';
import type { Step } from '../kind.js';
import { drainNodes, mustLeave, type DrainTarget } from './drain.js';
import { annotateScaleDownDisabled, prepare } from './prepare.js';
import { redisSettled } from './redis.js';
import { API_CONCURRENCY, forEachLimit } from './pool.js';
import { retryingKubernetes } from '../../integrations/retry-policy.js';
import { EXCLUDE_FROM_LB, OWNER_ANNOTATION } from './tags.js';
import type { RolloutSettings } from './settings.js';
import type { GroupReport, RolloutContext, RolloutPlan, RolloutState, Wave, WaveState } from './types.js';

export const READY_POLL_MS = 1000;
const SETTLE_POLL_MS = 1000;
const SETTLE_TIMEOUT_MS = 15 * 60_000;

export type RolloutStep = Step<RolloutPlan, RolloutState, RolloutSettings>;

const retryK8s = <T>(ctx: RolloutContext, call: () => Promise<T>) => retryingKubernetes(ctx.clock, ctx.signal, call);

export function waveState(state: RolloutState, index: number): WaveState {
  state.waves[index] ??= { newInstanceIds: [] };
  return state.waves[index];
}

export const LIVE = new Set(['Pending', 'Pending:Wait', 'Pending:Proceed', 'InService']);

function nodeByInstance(nodes: NodeView[]): Map<string, NodeView> {
  return new Map(nodes.filter((n) => n.instanceId).map((n) => [n.instanceId!, n]));
}

/** The wave's old instances still in the group and not already terminated by this run. */
function liveOld(ctx: RolloutContext, wave: Wave, group: GroupView): string[] {
  const live = new Set(group.instances.filter((i) => LIVE.has(i.lifecycleState)).map((i) => i.instanceId));
  return wave.instanceIds.filter((id) => live.has(id) && !ctx.state.terminated.includes(id));
}

/** Wave, elapsed time and an ETA that counts down: the estimate of this wave and the later ones, less the time this wave has run. */
function waveFields(ctx: RolloutContext, wave: Wave): Record<string, string> {
  const now = ctx.clock.now();
  const inWaveMs = now - (ctx.state.waves[wave.index]?.startedAt ?? now);
  const remainingMs = ctx.plan.estimate.waveSeconds.slice(wave.index - 1).reduce((a, b) => a + b, 0) * 1000 - inWaveMs;
  return {
    wave: `${wave.index}/${ctx.plan.waves.length}`,
    elapsed: formatDuration(now - (ctx.state.startedAt ?? now)),
    eta: remainingMs > 0 ? `~${formatDuration(remainingMs)}` : `over the estimate by ${formatDuration(-remainingMs)}`,
  };
}

function status(ctx: RolloutContext, wave: Wave, phase: string, extra: Record<string, string> = {}): void {
  ctx.progress.status({ ...waveFields(ctx, wave), phase, ...extra });
}

/** The same context, whose status updates (from the drain and the terminate wait too) carry the wave and its ETA. */
function inWave(ctx: RolloutContext, wave: Wave): RolloutContext {
  const progress = { ...ctx.progress, status: (fields: Record<string, string>) => ctx.progress.status({ ...waveFields(ctx, wave), ...fields }) };
  return Object.assign(Object.create(ctx) as RolloutContext, { progress });
}

async function surge(ctx: RolloutContext, wave: Wave): Promise<void> {
  const ws = waveState(ctx.state, wave.index);
  const group = (await describeGroup(ctx.clients.autoScaling, ctx.plan.group))!;
  if (ws.targetDesired === undefined) {
    ws.startedAt = ctx.clock.now();
    ws.launched = liveOld(ctx, wave, group).length;
    ws.targetDesired = group.desiredCapacity + ws.launched;
    await ctx.checkpoint();
    await ctx.progress.milestone(`Wave ${wave.index}/${ctx.plan.waves.length}: launching ${ws.targetDesired - group.desiredCapacity} node(s)${wave.canary ? ' (canary)' : ''}`);
  }
  status(ctx, wave, 'surge');
  if (group.maxSize < ws.targetDesired) {
    await ctx.audit('autoscaling:UpdateAutoScalingGroup', { group: ctx.plan.group, maxSize: ws.targetDesired });
    await updateGroup(ctx.clients.autoScaling, ctx.plan.group, { maxSize: ws.targetDesired });
  }
  if (group.desiredCapacity !== ws.targetDesired) {
    await ctx.audit('autoscaling:SetDesiredCapacity', { group: ctx.plan.group, desired: ws.targetDesired });
    await setDesiredCapacity(ctx.clients.autoScaling, ctx.plan.group, ws.targetDesired!);
  }
}

/** Instances launched by this run and not yet claimed by another wave. */
function claimNew(ctx: RolloutContext, wave: Wave, group: GroupView, needed: number): boolean {
  const ws = waveState(ctx.state, wave.index);
  const claimed = new Set(Object.values(ctx.state.waves).flatMap((w) => w.newInstanceIds));
  const atPlan = new Set(ctx.plan.instanceIdsAtPlan);
  const live = new Set(group.instances.filter((i) => LIVE.has(i.lifecycleState)).map((i) => i.instanceId));
  // A claimed instance the group replaced (failed launch, unhealthy) no longer counts; its replacement is claimed instead.
  const kept = ws.newInstanceIds.filter((id) => live.has(id));
  let changed = kept.length !== ws.newInstanceIds.length;
  ws.newInstanceIds = kept;
  for (const i of [...group.instances].sort((a, b) => a.instanceId.localeCompare(b.instanceId))) {
    if (ws.newInstanceIds.length >= needed) break;
    if (atPlan.has(i.instanceId) || claimed.has(i.instanceId) || !LIVE.has(i.lifecycleState)) continue;
    ws.newInstanceIds.push(i.instanceId);
    changed = true;
  }
  return changed;
}

async function waitReady(ctx: RolloutContext, wave: Wave): Promise<void> {
  const ws = waveState(ctx.state, wave.index);
  let deadline = ctx.clock.now() + ctx.plan.nodeReadyTimeoutMs;
  for (;;) {
    const group = (await describeGroup(ctx.clients.autoScaling, ctx.plan.group))!;
    const wanted = ws.launched ?? 0;
    if (claimNew(ctx, wave, group, wanted)) await ctx.checkpoint();
    const nodes = nodeByInstance(await retryK8s(ctx, () => listNodes(ctx.clients.kube)));
    const inService = new Set(group.instances.filter((i) => i.lifecycleState === 'InService').map((i) => i.instanceId));
    const ready = ws.newInstanceIds.filter((id) => inService.has(id) && nodes.get(id)?.ready);
    status(ctx, wave, 'waiting for new nodes', { ready: `${ready.length}/${ws.newInstanceIds.length || wanted} new node(s) Ready` });
    if (ready.length >= ws.newInstanceIds.length && ws.newInstanceIds.length >= wanted) {
      await ctx.progress.milestone(`Wave ${wave.index}: ${ready.length} new node(s) Ready: ${ready.map((id) => nodes.get(id)!.name).join(', ')}`);
      return;
    }
    if (ctx.clock.now() >= deadline) {
      const notReady = ws.newInstanceIds.filter((id) => !ready.includes(id));
      const choice = await ctx.ask({
        id: `wave-${wave.index}/not-ready`,
        text: `Wave ${wave.index}: ${notReady.length || wanted - ws.newInstanceIds.length} new node(s) not Ready after ${formatDuration(ctx.plan.nodeReadyTimeoutMs)} (${notReady.join(', ') || 'not launched'}). No old node was drained in this wave.`,
        choices: [
          { id: 'retry', label: 'Keep waiting', style: 'primary' },
          ...(ctx.plan.rollbackVersion ? [{ id: 'rollback', label: `Roll back to version ${ctx.plan.rollbackVersion}`, style: 'danger' as const }] : []),
          { id: 'abort', label: 'Abort', style: 'danger' },
        ],
      });
      if (choice === 'retry') {
        deadline = ctx.clock.now() + ctx.plan.nodeReadyTimeoutMs;
        continue;
      }
      if (choice === 'rollback') await rollBackWave(ctx, wave, notReady);
      throw new RefusalError(
        choice === 'rollback'
          ? `Wave ${wave.index}: new nodes never became Ready; removed them and pointed ${ctx.plan.group} back at version ${ctx.plan.rollbackVersion}. To roll back nodes already replaced: /deckhand rollout ${ctx.plan.group} --to ${ctx.plan.rollbackVersion}`
          : `Wave ${wave.index}: aborted, new nodes not Ready (${notReady.join(', ')})`,
      );
    }
    await ctx.clock.sleep(READY_POLL_MS, ctx.signal);
  }
}

/** Undo a wave whose new nodes never came up: terminate them (decrementing) and point the group back at the old nodes' version. */
async function rollBackWave(ctx: RolloutContext, wave: Wave, notReady: string[]): Promise<void> {
  const group = (await describeGroup(ctx.clients.autoScaling, ctx.plan.group))!;
  for (const id of notReady) {
    const instance = group.instances.find((i) => i.instanceId === id);
    if (!instance || !LIVE.has(instance.lifecycleState)) continue;
    if (!ctx.state.terminated.includes(id)) ctx.state.terminated.push(id);
    await ctx.checkpoint();
    await ctx.audit('autoscaling:TerminateInstanceInAutoScalingGroup', { instanceId: id, shouldDecrementDesiredCapacity: true, reason: `rollback of wave ${wave.index}` });
    await terminateInstance(ctx.clients.autoScaling, id, true);
  }
  if (ctx.plan.rollbackVersion && ctx.plan.rollbackVersion !== ctx.plan.target.version) {
    const launchTemplate = { id: ctx.plan.target.launchTemplateId, version: ctx.plan.rollbackVersion };
    await ctx.audit('autoscaling:UpdateAutoScalingGroup', { group: ctx.plan.group, launchTemplate });
    await updateGroup(ctx.clients.autoScaling, ctx.plan.group, { launchTemplate });
  }
}

export async function taintOld(ctx: RolloutContext, targets: DrainTarget[]): Promise<void> {
  const { plan, clients } = ctx;
  const listed = await retryK8s(ctx, () => listNodes(clients.kube));
  await annotateScaleDownDisabled(ctx, targets.map((t) => t.nodeName), listed);
  const nodes = new Map(listed.map((n) => [n.name, n]));
  await forEachLimit(targets, API_CONCURRENCY, async (t) => {
    const node = nodes.get(t.nodeName);
    const done =
      !node ||
      (node.taints.some((x) => x.key === plan.taintKey && x.effect === 'NoSchedule') &&
        node.annotations[OWNER_ANNOTATION] !== undefined &&
        (!plan.excludeFromLbLabel || node.labels[EXCLUDE_FROM_LB] === 'true') &&
        (!plan.cordon || node.unschedulable));
    if (done) return;
    await ctx.audit('kubernetes:TaintNode', { node: t.nodeName, taint: `${plan.taintKey}:NoSchedule`, cordon: plan.cordon, excludeFromLb: plan.excludeFromLbLabel });
    await retryK8s(ctx, () => setNodeAnnotations(clients.kube, t.nodeName, { [OWNER_ANNOTATION]: ctx.planId }));
    await retryK8s(ctx, () => addTaint(clients.kube, t.nodeName, { key: plan.taintKey, value: ctx.planId, effect: 'NoSchedule' }));
    if (plan.excludeFromLbLabel) await retryK8s(ctx, () => setNodeLabels(clients.kube, t.nodeName, { [EXCLUDE_FROM_LB]: 'true' }));
    if (plan.cordon) await retryK8s(ctx, () => setUnschedulable(clients.kube, t.nodeName, true));
  });
}

/** Takes new pods: Ready, not cordoned, no NoSchedule/NoExecute taint (the kubelet's not-ready one included). */
export function schedulable(node: NodeView): boolean {
  return node.ready && !node.unschedulable && !node.taints.some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
}

/**
 * Wait until tainting `targets` keeps the group's schedulable Ready capacity at or above the original desired
 * count minus maxUnavailable; past the node-Ready timeout a human decides (unknown = stop and ask).
 */
async function waitForSpareCapacity(ctx: RolloutContext, wave: Wave, targets: DrainTarget[]): Promise<void> {
  const floor = ctx.plan.original.desired - ctx.plan.maxUnavailable;
  const names = new Set(targets.map((t) => t.nodeName));
  let deadline = ctx.clock.now() + ctx.plan.nodeReadyTimeoutMs;
  for (;;) {
    const group = (await describeGroup(ctx.clients.autoScaling, ctx.plan.group))!;
    const nodes = nodeByInstance(await retryK8s(ctx, () => listNodes(ctx.clients.kube)));
    const serving = group.instances.filter((i) => i.lifecycleState === 'InService' && !ctx.state.terminated.includes(i.instanceId)).flatMap((i) => nodes.get(i.instanceId) ?? []).filter(schedulable);
    const left = serving.filter((n) => !names.has(n.name)).length;
    if (left >= floor) return;
    const why = `tainting ${serving.length - left} old node(s) would leave ${left} schedulable Ready node(s), fewer than ${floor} (desired ${ctx.plan.original.desired} - maxUnavailable ${ctx.plan.maxUnavailable})`;
    status(ctx, wave, 'waiting for capacity before tainting', { blockers: why });
    if (ctx.clock.now() >= deadline) {
      const choice = await ctx.ask({
        id: `wave-${wave.index}/capacity`,
        text: `Wave ${wave.index}: ${why} after ${formatDuration(ctx.plan.nodeReadyTimeoutMs)}. No old node was tainted in this wave.`,
        choices: [
          { id: 'retry', label: 'Keep waiting', style: 'primary' },
          { id: 'abort', label: 'Abort', style: 'danger' },
        ],
      });
      if (choice !== 'retry') throw new RefusalError(`Wave ${wave.index}: aborted, ${why}`);
      deadline = ctx.clock.now() + ctx.plan.nodeReadyTimeoutMs;
    }
    await ctx.clock.sleep(READY_POLL_MS, ctx.signal);
  }
}

/** Old nodes of a wave that still exist, by the plan's instance -> node mapping. */
function targetsOf(ctx: RolloutContext, instanceIds: string[]): DrainTarget[] {
  const planned = new Map(ctx.plan.nodes.map((n) => [n.instanceId, n]));
  return instanceIds.flatMap((id) => {
    const nodeName = planned.get(id)?.nodeName;
    return nodeName ? [{ instanceId: id, nodeName }] : [];
  });
}

/** Ready capacity of the group: InService instances whose Node is Ready, minus those this run is terminating. */
function readyCapacity(ctx: RolloutContext, group: GroupView, nodes: Map<string, NodeView>): number {
  return group.instances.filter((i) => i.lifecycleState === 'InService' && nodes.get(i.instanceId)?.ready && !ctx.state.terminated.includes(i.instanceId)).length;
}

async function settleAndTerminate(ctx: RolloutContext, instanceIds: string[], label: string): Promise<void> {
  const { plan, state, clients } = ctx;
  const planned = new Map(plan.nodes.map((n) => [n.instanceId, n]));
  const todo = instanceIds.filter((id) => !state.skipped.includes(id));
  const controllers = new Set(todo.flatMap((id) => planned.get(id)?.pods.filter((p) => !p.daemonSet && p.controller).map((p) => `${p.controller!.kind}/${p.controller!.namespace}/${p.controller!.name}`) ?? []));
  const redisPods = todo.flatMap((id) => planned.get(id)?.pods.filter((p) => p.procedure) ?? []);
  const deadline = ctx.clock.now() + SETTLE_TIMEOUT_MS;
  const remaining = new Set(todo);
  let redisWaiting: string | undefined = redisPods.length === 0 ? undefined : 'Redis sync / cluster state';
  while (remaining.size > 0) {
    const group = (await describeGroup(clients.autoScaling, plan.group))!;
    const inGroup = new Map(group.instances.map((i) => [i.instanceId, i]));
    const nodes = nodeByInstance(await retryK8s(ctx, () => listNodes(clients.kube)));
    const allPods = await retryK8s(ctx, () => listPods(clients.kube));
    const pods = allPods.filter(mustLeave);
    const { workloads } = await listWorkloads(clients.kube, (call) => retryK8s(ctx, call));
    const unavailable = workloads.filter((w) => controllers.has(`${w.kind}/${w.namespace}/${w.name}`) && (w.availableReplicas < w.replicas || !w.observed));
    if (redisWaiting && unavailable.length === 0) redisWaiting = await redisSettled(ctx, redisPods, allPods);
    const ready: string[] = [];
    let capacity = readyCapacity(ctx, group, nodes);
    for (const id of [...remaining]) {
      const instance = inGroup.get(id);
      if (!instance || !LIVE.has(instance.lifecycleState)) {
        remaining.delete(id);
        continue;
      }
      const nodeName = planned.get(id)?.nodeName;
      const left = pods.filter((p) => p.nodeName === nodeName);
      if (left.length > 0 || unavailable.length > 0 || redisWaiting) continue;
      // Ready capacity never below the original desired count minus maxUnavailable.
      if (capacity - 1 < plan.original.desired - plan.maxUnavailable) continue;
      capacity -= nodes.get(id)?.ready && instance.lifecycleState === 'InService' ? 1 : 0;
      ready.push(id);
    }
    if (ready.length) {
      for (const id of ready) if (!state.terminated.includes(id)) state.terminated.push(id);
      await ctx.checkpoint();
      await forEachLimit(ready, API_CONCURRENCY, async (id) => {
        await ctx.audit('autoscaling:TerminateInstanceInAutoScalingGroup', { instanceId: id, node: planned.get(id)?.nodeName, shouldDecrementDesiredCapacity: true });
        await terminateInstance(clients.autoScaling, id, true);
        remaining.delete(id);
      });
    }
    if (remaining.size === 0) break;
    const waiting = unavailable.length ? `workloads not yet available: ${unavailable.map((w) => `${w.namespace}/${w.name} ${w.availableReplicas}/${w.replicas}`).join(', ')}` : redisWaiting ? `Redis: ${redisWaiting}` : 'pods still terminating';
    ctx.progress.status({ phase: `${label}: waiting before terminate`, blockers: waiting });
    if (ctx.clock.now() >= deadline) throw new UserFacingError(`${label}: gave up waiting before terminating (${waiting})`);
    await ctx.clock.sleep(SETTLE_POLL_MS, ctx.signal);
  }
  await confirmGone(ctx, todo, label);
}

/** The terminated instances left the group (or are Terminated) and desired went down with them. */
export async function confirmGone(ctx: RolloutContext, ids: string[], label: string): Promise<void> {
  const deadline = ctx.clock.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const group = (await describeGroup(ctx.clients.autoScaling, ctx.plan.group))!;
    const still = group.instances.filter((i) => ids.includes(i.instanceId) && LIVE.has(i.lifecycleState));
    if (still.length === 0) return;
    if (ctx.clock.now() >= deadline) throw new UserFacingError(`${label}: ${still.map((i) => i.instanceId).join(', ')} still ${still[0]!.lifecycleState}`);
    await ctx.clock.sleep(READY_POLL_MS, ctx.signal);
  }
}

/** Re-assert the hold and the taints (both idempotent), then drain the wave's old nodes not yet terminated. */
async function drainOwn(ctx: RolloutContext, wave: Wave, label: string): Promise<void> {
  await prepare(ctx);
  const targets = targetsOf(ctx, wave.instanceIds.filter((i) => !ctx.state.terminated.includes(i) && !ctx.state.skipped.includes(i)));
  await taintOld(ctx, targets);
  // New nodes get the scale-down-disabled annotation while the drain already runs.
  await Promise.all([annotateNew(ctx, wave), drainNodes(ctx, targets, { label, allowSkip: true })]);
}

async function annotateNew(ctx: RolloutContext, wave: Wave): Promise<void> {
  if (ctx.plan.autoscalerMode !== 'annotate') return;
  const listed = await retryK8s(ctx, () => listNodes(ctx.clients.kube));
  const ids = new Set(waveState(ctx.state, wave.index).newInstanceIds);
  await annotateScaleDownDisabled(ctx, listed.filter((n) => n.instanceId && ids.has(n.instanceId)).map((n) => n.name), listed);
}

function waveSteps(wave: Wave, total: number): RolloutStep[] {
  const id = (s: string) => `wave-${wave.index}/${s}`;
  const label = `Wave ${wave.index}/${total}`;
  const steps: RolloutStep[] = [
    {
      id: id('surge'),
      title: `${label}: launch new nodes`,
      run: async (ctx) => {
        await prepare(ctx);
        await surge(ctx, wave);
      },
    },
    { id: id('ready'), title: `${label}: wait for new nodes Ready`, run: (ctx) => waitReady(ctx, wave) },
    {
      id: id('taint'),
      title: `${label}: taint old nodes`,
      run: async (ctx) => {
        status(ctx, wave, 'taint');
        const targets = targetsOf(ctx, wave.instanceIds.filter((i) => !ctx.state.terminated.includes(i)));
        await waitForSpareCapacity(ctx, wave, targets);
        await taintOld(ctx, targets);
      },
    },
    {
      id: id('drain'),
      title: `${label}: drain old nodes`,
      run: async (ctx) => {
        status(ctx, wave, 'drain');
        await drainOwn(inWave(ctx, wave), wave, label);
      },
    },
    {
      id: id('terminate'),
      title: `${label}: terminate drained nodes`,
      run: async (ctx) => {
        status(ctx, wave, 'terminate');
        // A start-up cleanup after a crash may have released the hold and untainted the nodes: take them back first.
        await drainOwn(inWave(ctx, wave), wave, label);
        await settleAndTerminate(inWave(ctx, wave), wave.instanceIds, label);
        const ws = waveState(ctx.state, wave.index);
        ws.finishedAt ??= ctx.clock.now();
        await ctx.checkpoint();
        const took = ws.startedAt ? ` in ${formatDuration(ws.finishedAt - ws.startedAt)}` : '';
        await ctx.progress.milestone(`${label} done${took}: replaced ${wave.instanceIds.filter((i) => ctx.state.terminated.includes(i)).length} node(s)`);
      },
    },
  ];
  if (wave.canary) {
    steps.push({
      id: id('canary'),
      title: 'Canary: pause for Continue',
      run: async (ctx) => {
        const choice = await ctx.ask({
          id: id('canary'),
          text: `Canary node replaced. Check it, then continue with ${total - 1} more wave(s).`,
          choices: [
            { id: 'continue', label: 'Continue', style: 'primary' },
            { id: 'abort', label: 'Abort', style: 'danger' },
          ],
        });
        if (choice !== 'continue') throw new RefusalError('Stopped after the canary wave');
      },
    });
  }
  return steps;
}

export function rolloutSteps(plan: RolloutPlan): RolloutStep[] {
  if (plan.waves.length === 0) return [];
  return [
    { id: 'prepare', title: 'Lock the group, record its state, suspend AZRebalance, hold cluster-autoscaler', run: prepare },
    ...plan.waves.flatMap((w) => waveSteps(w, plan.waves.length)),
    {
      id: 'skipped/drain',
      title: 'Retry skipped nodes: drain',
      run: async (ctx) => {
        const skipped = [...ctx.state.skipped];
        if (skipped.length === 0) return;
        ctx.state.skipped = [];
        await ctx.checkpoint();
        await drainNodes(ctx, targetsOf(ctx, skipped), { label: 'Skipped nodes', allowSkip: false });
      },
    },
    {
      id: 'skipped/terminate',
      title: 'Retry skipped nodes: terminate',
      run: async (ctx) => {
        const leftover = ctx.plan.nodes.map((n) => n.instanceId).filter((id) => !ctx.state.terminated.includes(id) && !ctx.state.skipped.includes(id));
        const group = (await describeGroup(ctx.clients.autoScaling, ctx.plan.group))!;
        const live = new Set(group.instances.filter((i) => LIVE.has(i.lifecycleState)).map((i) => i.instanceId));
        const todo = leftover.filter((id) => live.has(id));
        if (todo.length) await settleAndTerminate(ctx, todo, 'Skipped nodes');
      },
    },
  ];
}

export function summarizeRollout(plan: RolloutPlan, state: RolloutState, outcome: 'succeeded' | 'failed' | 'cancelled'): string {
  const replaced = state.terminated.filter((id) => plan.nodes.some((n) => n.instanceId === id)).length;
  const waves = Object.entries(state.waves)
    .filter(([, w]) => w.startedAt && w.finishedAt)
    .map(([i, w]) => `wave ${i} ${formatDuration(w.finishedAt! - w.startedAt!)}`);
  const parts = [
    `Rollout of ${plan.group} to version ${plan.target.version} ${outcome}: ${replaced}/${plan.nodes.length} node(s) replaced, ${state.podsMoved} pod(s) moved`,
    waves.length ? `time per wave: ${waves.join(', ')}` : '',
    skippedLine(plan, state),
    state.forced.length ? `force-deleted (PDB bypassed, approved): ${state.forced.join(', ')}` : '',
    state.finalGroup ? describeFinalGroup(plan, state.finalGroup) : '',
  ];
  return parts.filter(Boolean).join('. ');
}

/** The nodes skipped at a drain timeout, and whether the retry after the last wave replaced them. */
function skippedLine(plan: RolloutPlan, state: RolloutState): string {
  const skipped = [...new Set([...(state.skippedEver ?? []), ...state.skipped])];
  if (skipped.length === 0) return '';
  const names = new Map(plan.nodes.map((n) => [n.instanceId, n.nodeName ?? n.instanceId]));
  const outcome = (id: string) => (state.terminated.includes(id) ? 'replaced when retried last' : 'still on the old version');
  return `skipped at the drain timeout: ${skipped.map((id) => `${names.get(id) ?? id} (${id}, ${outcome(id)})`).join(', ')}`;
}

/** Size, versions and leftovers as cleanup left the group, with the commands that finish the job. */
function describeFinalGroup(plan: RolloutPlan, group: GroupReport): string {
  const versions = Object.entries(group.versions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([v, n]) => `${n} on version ${v}`);
  const outdated = Object.entries(group.versions).filter(([v]) => v !== plan.target.version).reduce((sum, [, n]) => sum + n, 0);
  const lines = [
    `${plan.group} now: desired ${group.desired} (was ${plan.original.desired}), max ${group.max} (was ${plan.original.max}), launch template version ${group.version ?? 'none'}; instances: ${versions.join(', ') || 'none'}`,
    group.removed.length ? `removed ${group.removed.length} surplus instance(s): ${group.removed.join(', ')}` : '',
    ...group.left.map((l) => `left over: ${l.what}${l.command ? ` (finish with \`${l.command}\`)` : ''}`),
    outdated ? `to finish the rollout: \`/deckhand rollout ${plan.group} --to ${plan.target.version}${plan.cluster ? ` --cluster ${plan.cluster}` : ''}\`` : '',
  ];
  return lines.filter(Boolean).join('. ');
}
