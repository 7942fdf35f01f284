/**
 * Typed procedures for Redis pods on a node being drained (seed-posts §1.3, §1.4):
 * - Sentinel master: SENTINEL FAILOVER, confirm the new master by GET-MASTER-ADDR-BY-NAME, then evict;
 *   a replica is evicted at once. After the move: wait for the moved pod's sync as replica
 *   (master_link_status:up, master_sync_in_progress:0), fail back when `redisFailBack` is set, then
 *   SENTINEL RESET on every Sentinel.
 * - Cluster primary: CLUSTER FAILOVER on a connected replica on another node, confirm with ROLE, then evict.
 *   After the move: cluster_state:ok and all 16384 slots served.
 * - Cluster primary with no replica: the seed's temporary-replica procedure (redis-temporary.ts).
 */
import { listPods, podKey, type PodView } from '../../integrations/kubernetes/pods.js';
import { addressText, clusterFailover, clusterHealth, clusterNodes, coveredOnEveryNode, fullyCovered, readRole, type RedisAddress } from '../../integrations/redis-procedures/cluster.js';
import { replicaInSync, replicationInfo, sentinelFailover, sentinelMasterAddress, sentinelReset } from '../../integrations/redis-procedures/sentinel.js';
import { PROCEDURE_LABEL } from './observe.js';
import { apiServerIsLocal, podAddress } from './redis-address.js';
import { activeTemporaryReplica, failBackFromTemporaryReplica, takeOverWithTemporaryReplica } from './redis-temporary.js';
import { pollUntil, retrying } from './retry.js';
import type { PlanPod, RolloutContext } from './types.js';

export const SENTINEL_MASTER_ANNOTATION = 'deckhand.dev/sentinel-master-name';
const CONFIRM_TIMEOUT_MS = 60_000;
const CONFIRM_POLL_MS = 500;

const same = (a: RedisAddress | undefined, b: RedisAddress | undefined) => Boolean(a && b && a.host === b.host && a.port === b.port);

function sentinelAddresses(pods: PodView[], localOnly: boolean): RedisAddress[] {
  return pods.filter((p) => p.labels.app === 'redis-sentinel' && p.ready).flatMap((p) => podAddress(p, 'sentinel', localOnly) ?? []);
}

const until = (ctx: RolloutContext, check: () => Promise<boolean>) => pollUntil(ctx.clock, ctx.signal, CONFIRM_TIMEOUT_MS, CONFIRM_POLL_MS, check);

/**
 * True when the pod may be evicted now; false while a failover is pending or impossible. A failover only
 * targets a replica on a node that is not being drained (otherwise the master would bounce between old
 * nodes): while every replica sits on a draining node, those replicas move first (they are evicted at once).
 */
export async function moveRedisPod(ctx: RolloutContext, pod: PodView, draining: Set<string>): Promise<boolean> {
  const local = apiServerIsLocal(ctx.clients.kube);
  const address = podAddress(pod, 'redis', local);
  if (!address) return true;
  const role = await readRole(address).catch(() => undefined);
  if (!role || role.role !== 'master') return true;
  const procedure = pod.labels[PROCEDURE_LABEL];
  const pods = await retrying(ctx.clock, ctx.signal, () => listPods(ctx.clients.kube));
  const byAddress = new Map(pods.flatMap((p) => { const a = podAddress(p, 'redis', local); return a && !p.terminating ? [[addressText(a), p] as const] : []; }));
  const offDrain = (a: RedisAddress) => {
    const target = byAddress.get(addressText(a));
    return Boolean(target && target.ready && target.nodeName && !draining.has(target.nodeName));
  };
  if (procedure === 'redis-sentinel') {
    const masterName = pod.annotations[SENTINEL_MASTER_ANNOTATION] ?? 'mymaster';
    const sentinel = sentinelAddresses(pods, local)[0];
    if (!sentinel) return false;
    const candidates = role.replicas.filter(offDrain);
    const synced = await Promise.all(candidates.map((a) => replicationInfo(a).then(replicaInSync, () => false)));
    if (!synced.some(Boolean)) return false;
    await ctx.audit('redis:SentinelFailover', { pod: podKey(pod), masterName, sentinel: addressText(sentinel) });
    await sentinelFailover(sentinel, masterName).catch(() => undefined);
    const moved = await until(ctx, async () => {
      const master = await sentinelMasterAddress(sentinel, masterName);
      return Boolean(master) && !same(master, address) && (await readRole(master!)).role === 'master';
    });
    if (moved) await ctx.progress.milestone(`Sentinel ${masterName}: master moved off ${pod.name} before eviction`);
    return false;
  }
  if (procedure === 'redis-cluster') {
    if (activeTemporaryReplica(ctx.state, pod)) return takeOverWithTemporaryReplica(ctx, pod, address, pods, local);
    const nodes = await clusterNodes(address);
    const self = nodes.find((n) => n.flags.includes('myself'));
    const replicas = nodes.filter((n) => self && n.masterId === self.id && n.connected && !n.flags.includes('fail'));
    // No replica at all: a temporary one. Replicas only on draining nodes: they move first (evicted at once).
    if (replicas.length === 0) return takeOverWithTemporaryReplica(ctx, pod, address, pods, local);
    const replica = replicas.find((n) => offDrain(n.address));
    if (!replica) return false;
    await ctx.audit('redis:ClusterFailover', { pod: podKey(pod), replica: addressText(replica.address) });
    await clusterFailover(replica.address).catch(() => undefined);
    const promoted = await until(ctx, async () => (await readRole(replica.address)).role === 'master' && (await readRole(address)).role === 'replica');
    if (promoted) await ctx.progress.milestone(`Redis Cluster: ${byAddress.get(addressText(replica.address))?.name ?? addressText(replica.address)} took over from ${pod.name} before eviction`);
    return false;
  }
  return true;
}

/**
 * Make the moved old master the master again (SENTINEL FAILOVER, confirmed by GET-MASTER-ADDR-BY-NAME).
 * With several replicas Sentinel may elect another one (replica-priority decides): then this tries again.
 */
async function failBack(ctx: RolloutContext, pod: PodView, sentinel: RedisAddress | undefined): Promise<boolean> {
  const address = podAddress(pod, 'redis', apiServerIsLocal(ctx.clients.kube));
  if (!address || !sentinel) return false;
  const masterName = pod.annotations[SENTINEL_MASTER_ANNOTATION] ?? 'mymaster';
  if (same(await sentinelMasterAddress(sentinel, masterName).catch(() => undefined), address)) return true;
  await ctx.audit('redis:SentinelFailover', { pod: podKey(pod), masterName, sentinel: addressText(sentinel), reason: 'fail back' });
  await sentinelFailover(sentinel, masterName).catch(() => undefined);
  const back = await until(ctx, async () => same(await sentinelMasterAddress(sentinel, masterName), address) && (await readRole(address)).role === 'master');
  if (back) await ctx.progress.milestone(`Sentinel ${masterName}: failed back to ${pod.name}`);
  return back;
}

/**
 * After the wave's Redis pods moved: each Sentinel-managed pod is back and in sync (then every Sentinel
 * is reset so it forgets stale replica addresses), and each Redis Cluster is ok with full slot coverage.
 * True when every check passes now. `pods` is the caller's fresh list of all pods (Sentinels included).
 */
export async function redisSettled(ctx: RolloutContext, moved: PlanPod[], pods: PodView[]): Promise<boolean> {
  if (moved.length === 0) return true;
  const local = apiServerIsLocal(ctx.clients.kube);
  const byName = new Map(pods.map((p) => [podKey(p), p]));
  const clusterAddresses: RedisAddress[] = [];
  for (const planned of moved) {
    const pod = byName.get(podKey(planned));
    if (!pod || !pod.ready || pod.terminating) return false;
    // Not reachable from here (see redis-address.ts): the pod counts like any other once Ready.
    const address = podAddress(pod, 'redis', local);
    if (!address) continue;
    try {
      if (planned.procedure === 'redis-sentinel') {
        const info = await replicationInfo(address);
        if (info.role === 'replica' && !replicaInSync(info)) return false;
      } else {
        if (!fullyCovered(await clusterHealth(address))) return false;
        if (!(await failBackFromTemporaryReplica(ctx, pod, pods, local))) return false;
        clusterAddresses.push(address);
      }
    } catch {
      return false;
    }
  }
  // Once every temporary node is gone (a reset one still known would count as a failing node).
  for (const address of clusterAddresses) if (!(await coveredOnEveryNode(address).catch(() => false))) return false;
  const sentinels = sentinelAddresses(pods, local);
  if (ctx.plan.redisFailBack) {
    for (const planned of moved.filter((p) => p.procedure === 'redis-sentinel' && p.redisRole === 'master')) {
      if (!(await failBack(ctx, byName.get(podKey(planned))!, sentinels[0]))) return false;
    }
  }
  const masterNames = new Set(moved.filter((p) => p.procedure === 'redis-sentinel').map((p) => byName.get(podKey(p))?.annotations[SENTINEL_MASTER_ANNOTATION] ?? 'mymaster'));
  for (const masterName of masterNames) {
    for (const sentinel of sentinels) {
      await ctx.audit('redis:SentinelReset', { sentinel: addressText(sentinel), masterName });
      await sentinelReset(sentinel, masterName).catch(() => undefined);
    }
  }
  return true;
}
