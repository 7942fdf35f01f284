/**
 * Drain a set of tainted old nodes together through the Eviction API (never a plain delete, except an
 * approved force). Each PDB paces its own pods, so nodes drain in parallel while no budget is exceeded.
 * Pods whose PDB reports no allowed disruption are not even tried; a 429 backs off per pod; blockers
 * (pods and PDBs) go to the status card and, refreshed, to the thread. At the drain timeout a human picks:
 * keep waiting, skip the node (retried last), force (approver; deletes only pods behind a PDB that let none
 * of its pods go for a whole drain timeout while all its pods were healthy), or abort.
 */
import type { RolloutContext, RolloutState } from './types.js';
import { RefusalError } from '../../errors.js';
import { formatDuration } from '../../time.js';
import { deletePod, evictPod, listPdbs, listPods, podKey, type PdbView, type PodView } from '../../integrations/kubernetes/pods.js';
import { pdbsCovering } from '../../integrations/kubernetes/selectors.js';
import { API_CONCURRENCY, forEachLimit } from './pool.js';
import { PROCEDURE_LABEL } from './observe.js';
import { moveRedisPod } from './redis.js';
import { RedisMoves } from './redis-order.js';
import { isSentinelPod } from './tags.js';
import { retryingKubernetes } from '../../integrations/retry-policy.js';

export const DRAIN_POLL_MS = 500;
/** How long a Redis pod's role may stay unverifiable (a restart, a slow Secret) before a human is asked. */
const REDIS_UNVERIFIED_ASK_MS = 30_000;
const POD_RELIST_MS = 5000;
/**
 * A pod held back for this long by a PDB that meanwhile neither let a pod go nor waited for one to be
 * replaced (or whose eviction keeps failing) is a blocker worth a reply in the thread; anything shorter, and
 * pacing that still makes progress (a StatefulSet pod taking its grace period), shows on the status card only.
 */
export const BLOCKER_NOTICE_MS = 60_000;
const BLOCKER_POST_MS = 5 * 60_000;

export interface DrainTarget {
  instanceId: string;
  nodeName: string;
}

/** Pods that must leave before the node may be terminated: everything but DaemonSet pods and finished pods. */
export function mustLeave(pod: PodView): boolean {
  return pod.owner?.kind !== 'DaemonSet' && pod.phase !== 'Succeeded' && pod.phase !== 'Failed';
}

/**
 * Pods moved, from what the cluster shows rather than from what this process remembers, so evictions a killed
 * worker got accepted but never checkpointed still count: every pod seen on a draining node (recorded and
 * checkpointed before any eviction from it) that no longer runs there. True when the state changed.
 */
export function countMovedPods(state: RolloutState, draining: ReadonlySet<string>, pods: PodView[]): boolean {
  const seen = (state.podsSeenOnOldNodes ??= {});
  let added = false;
  for (const pod of pods) {
    if (!pod.nodeName || !draining.has(pod.nodeName) || pod.terminating) continue;
    const onNode = (seen[pod.nodeName] ??= []);
    if (onNode.includes(podKey(pod))) continue;
    onNode.push(podKey(pod));
    added = true;
  }
  const stillThere = new Set(pods.filter((p) => p.nodeName !== undefined && p.nodeName in seen && !p.terminating).map((p) => `${p.nodeName}/${podKey(p)}`));
  const moved = Object.entries(seen).reduce((sum, [node, keys]) => sum + keys.filter((key) => !stillThere.has(`${node}/${key}`)).length, 0);
  const changed = added || moved !== state.podsMoved;
  state.podsMoved = moved;
  return changed;
}

export async function drainNodes(ctx: RolloutContext, targets: DrainTarget[], opts: { label: string; allowSkip: boolean }): Promise<void> {
  const { clients, state } = ctx;
  const retryK8s = <T>(call: () => Promise<T>) => retryingKubernetes(ctx.clock, ctx.signal, call);
  let pending = targets.filter((t) => !state.skipped.includes(t.instanceId));
  const nextTry = new Map<string, number>();
  const failures = new Map<string, number>();
  let startedAt = ctx.clock.now();
  let lastPosted = { key: '', at: 0 };
  let asks = 0;
  // Only this run evicts from tainted nodes, so the pod list is refreshed every few seconds, not every tick:
  // the per-tick cost is one small PDB list, which keeps each PDB-paced eviction close to the moment it is allowed.
  let cache: { at: number; pods: PodView[] } | undefined;
  // A PDB is stuck when none of its pods could be evicted for a whole drain timeout; force targets only those.
  const drainStart = startedAt;
  const pdbProgress = new Map<string, number>();
  const blockedBy = new Map<string, string>();
  // Since when each pod has been held back, whatever the reason of the moment (PDB, backoff, failure).
  const heldSince = new Map<string, number>();
  // When each PDB last had a pod being replaced (fewer healthy than expected).
  const pdbReplacing = new Map<string, number>();
  // Redis pods whose role cannot be verified: since when, and why (asked about once it lasts).
  const unverified = new Map<string, { since: number; reason: string }>();
  let redisAsks = 0;
  const skip = async (nodeNames: Set<string | undefined>) => {
    for (const t of pending) {
      if (!nodeNames.has(t.nodeName)) continue;
      if (!state.skipped.includes(t.instanceId)) state.skipped.push(t.instanceId);
      state.skippedEver = [...new Set([...(state.skippedEver ?? []), t.instanceId])];
    }
    pending = pending.filter((t) => !nodeNames.has(t.nodeName));
    await ctx.checkpoint();
    await ctx.progress.milestone(`${opts.label}: skipped ${[...nodeNames].join(', ')}; they are retried after the last wave`);
  };

  while (pending.length > 0) {
    if (await ctx.cancelRequested()) return;
    const names = new Set(pending.map((t) => t.nodeName));
    const fresh = cache === undefined || ctx.clock.now() - cache.at >= POD_RELIST_MS;
    if (fresh) {
      cache = { at: ctx.clock.now(), pods: (await retryK8s(() => listPods(clients.kube))).filter((p) => mustLeave(p)) };
      if (countMovedPods(state, names, cache.pods)) await ctx.checkpoint();
    }
    const remaining = cache!.pods.filter((p) => p.nodeName && names.has(p.nodeName) && !p.terminating);
    if (remaining.length === 0) {
      if (fresh) return;
      cache = undefined;
      continue;
    }
    const pdbs = await retryK8s(() => listPdbs(clients.kube));
    const allowance = new Map(pdbs.map((p) => [podKey(p), p.disruptionsAllowed]));
    const blockers = new Map<string, string>();
    const now = ctx.clock.now();
    // Typed procedures first (failover before the pod leaves), then the rest.
    const ordered = [...remaining].sort((a, b) => Number(Boolean(b.labels[PROCEDURE_LABEL])) - Number(Boolean(a.labels[PROCEDURE_LABEL])) || podKey(a).localeCompare(podKey(b)));
    const candidates: { pod: PodView; covering: PdbView[] }[] = [];
    const redisMoves = remaining.some((p) => p.labels[PROCEDURE_LABEL] || isSentinelPod(p)) ? new RedisMoves(ctx, cache!.pods) : undefined;
    for (const pod of ordered) {
      const id = podKey(pod);
      if ((nextTry.get(id) ?? 0) > now) {
        blockers.set(id, 'backing off after a refusal');
        continue;
      }
      const covering = pdbsCovering(pod, pdbs);
      const exhausted = covering.find((p) => (allowance.get(podKey(p)) ?? 0) <= 0);
      if (covering.length === 1 && exhausted) {
        blockedBy.set(id, podKey(exhausted));
        blockers.set(id, `PDB ${podKey(exhausted)} allows no disruption (${exhausted.currentHealthy}/${exhausted.desiredHealthy} healthy)`);
        continue;
      }
      if (pod.labels[PROCEDURE_LABEL] && !state.evictedUnverified?.includes(id)) {
        const move = await moveRedisPod(ctx, pod, names);
        if (move !== 'evict') {
          if ('wait' in move) unverified.delete(id);
          else unverified.set(id, { since: unverified.get(id)?.since ?? now, reason: move.unverified });
          blockers.set(id, 'wait' in move ? `Redis procedure waiting: ${move.wait}` : `Redis role not verified, not evicted: ${move.unverified}`);
          continue;
        }
        unverified.delete(id);
      }
      const order = await redisMoves?.mayLeave(pod);
      if (order) {
        blockers.set(id, `Redis order: ${order}`);
        continue;
      }
      // Spend the budget now, so this tick never sends more evictions than the PDB allows.
      for (const p of covering) allowance.set(podKey(p), (allowance.get(podKey(p)) ?? 0) - 1);
      candidates.push({ pod, covering });
    }
    await forEachLimit(candidates, API_CONCURRENCY, async ({ pod, covering }) => {
      const id = podKey(pod);
      await ctx.audit('kubernetes:EvictPod', { pod: id, node: pod.nodeName });
      const result = await retryK8s(() => evictPod(clients.kube, pod.namespace, pod.name));
      if (result.outcome === 'evicted' || result.outcome === 'gone') {
        pod.terminating = true;
        for (const p of covering) pdbProgress.set(podKey(p), now);
        blockedBy.delete(id);
        failures.delete(id);
        return;
      }
      const count = (failures.get(id) ?? 0) + 1;
      failures.set(id, count);
      nextTry.set(id, now + Math.min(1000 * 2 ** (count - 1), 30_000));
      if (result.outcome === 'blocked' && result.pdbs[0]) blockedBy.set(id, `${pod.namespace}/${result.pdbs[0]}`);
      blockers.set(id, result.outcome === 'blocked' ? `eviction refused (429)${result.pdbs.length ? ` by PDB ${result.pdbs.join(', ')}` : ''}` : `eviction failed: ${result.message}`);
    });
    const blockerText = [...blockers.entries()].map(([pod, why]) => `${pod}: ${why}`);
    const nodeList = pending.map((t) => t.nodeName);
    ctx.progress.status({ phase: `draining ${pending.length} node(s)`, node: nodeList.slice(0, 3).join(', ') + (nodeList.length > 3 ? ` +${nodeList.length - 3}` : ''), blockers: blockerText.length ? blockerText.slice(0, 5).join('; ') : 'none', remaining: `${remaining.length} pod(s)` });
    for (const id of heldSince.keys()) if (!blockers.has(id)) heldSince.delete(id);
    for (const id of blockers.keys()) if (!heldSince.has(id)) heldSince.set(id, now);
    for (const pdb of pdbs) if (pdb.currentHealthy < pdb.expectedPods) pdbReplacing.set(podKey(pdb), now);
    // Held back while its PDB neither let a pod go nor waited for one to be replaced: pacing is not a blocker.
    const stalledSince = (id: string) => {
      const pdb = blockedBy.get(id) ?? '';
      return Math.max(heldSince.get(id)!, pdbProgress.get(pdb) ?? 0, pdbReplacing.get(pdb) ?? 0);
    };
    const lasting = [...blockers.entries()].filter(([id, why]) => (why.includes('PDB') || why.includes('failed')) && now - stalledSince(id) >= BLOCKER_NOTICE_MS);
    const key = lasting.map(([id, why]) => `${id}: ${why}`).join('\n');
    if (lasting.length && (key !== lastPosted.key ? now - lastPosted.at >= 60_000 : now - lastPosted.at >= BLOCKER_POST_MS)) {
      lastPosted = { key, at: now };
      const longest = now - Math.min(...lasting.map(([id]) => stalledSince(id)));
      await ctx.progress.milestone(`${opts.label}: blocked for ${formatDuration(longest)}:\n${key.split('\n').slice(0, 10).join('\n')}`);
    }

    const longUnverified = [...unverified].find(([, u]) => now - u.since >= REDIS_UNVERIFIED_ASK_MS);
    if (longUnverified) {
      const [id, { reason }] = longUnverified;
      const pod = remaining.find((p) => podKey(p) === id);
      unverified.delete(id);
      if (pod) {
        redisAsks++;
        const choice = await ctx.ask({
          id: `${opts.label}/redis-unverified/${redisAsks}`,
          text: `${opts.label}: the Redis role of ${id} on ${pod.nodeName} cannot be verified, so it is not evicted: ${reason}.\nIf it is a master, evicting it without a failover takes its data offline. Fix the access and check again, or decide.`,
          choices: [
            { id: 'retry', label: 'Check again', style: 'primary' },
            ...(opts.allowSkip ? [{ id: 'skip', label: 'Skip this node (retry last)' }] : []),
            { id: 'evict', label: 'Evict without a failover', style: 'danger' as const, needsApprover: true },
            { id: 'abort', label: 'Abort', style: 'danger' as const },
          ],
        });
        if (choice === 'abort') throw new RefusalError(`${opts.label}: aborted: the Redis role of ${id} could not be verified`);
        if (choice === 'evict') {
          state.evictedUnverified = [...(state.evictedUnverified ?? []), id];
          await ctx.checkpoint();
          await ctx.progress.milestone(`${opts.label}: ${id} is evicted without a failover (its Redis role could not be verified; an approver chose this)`);
        }
        if (choice === 'skip') await skip(new Set([pod.nodeName]));
        startedAt = ctx.clock.now();
      }
    }

    if (now - startedAt >= ctx.plan.drainTimeoutMs) {
      asks++;
      const choice = await ctx.ask({
        id: `${opts.label}/drain-timeout/${asks}`,
        text: `${opts.label}: ${remaining.length} pod(s) still on ${pending.map((t) => t.nodeName).join(', ')} after ${formatDuration(ctx.plan.drainTimeoutMs)}.\n${blockerText.slice(0, 10).join('\n')}`,
        choices: [
          { id: 'wait', label: 'Keep waiting', style: 'primary' },
          ...(opts.allowSkip ? [{ id: 'skip', label: 'Skip these nodes (retry last)' }] : []),
          { id: 'force', label: 'Force (delete, bypass PDB)', style: 'danger' as const, needsApprover: true },
          { id: 'abort', label: 'Abort', style: 'danger' as const },
        ],
      });
      if (choice === 'abort') throw new RefusalError(`${opts.label}: aborted at the drain timeout`);
      if (choice === 'skip') await skip(new Set(remaining.map((p) => p.nodeName)));
      if (choice === 'force') {
        // Stuck: no eviction under it for a whole drain timeout while none of its pods is being replaced
        // (a StatefulSet slowly cycling through its budget is progress, not a blocker to force).
        const pdbByKey = new Map(pdbs.map((p) => [podKey(p), p]));
        const stuck = remaining.filter((p) => {
          const key = blockedBy.get(podKey(p));
          const pdb = key ? pdbByKey.get(key) : undefined;
          if (!key || !pdb) return true;
          return (pdbProgress.get(key) ?? drainStart) <= now - ctx.plan.drainTimeoutMs && pdb.currentHealthy >= pdb.expectedPods;
        });
        for (const pod of stuck.length ? stuck : remaining) {
          await ctx.audit('kubernetes:DeletePod', { pod: podKey(pod), node: pod.nodeName, reason: 'approved force at drain timeout' });
          await retryK8s(() => deletePod(clients.kube, pod.namespace, pod.name));
          state.forced.push(podKey(pod));
        }
        await ctx.checkpoint();
      }
      startedAt = ctx.clock.now();
    }
    await ctx.clock.sleep(DRAIN_POLL_MS, ctx.signal);
  }
}
