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
import { replicaInSync, replicationInfo, sentinelFailover, sentinelMasterAddress, sentinelFailoverInProgress, sentinelReplicas, sentinelReset, sentinelWouldPromote } from '../../integrations/redis-procedures/sentinel.js';
import { PROCEDURE_LABEL } from './observe.js';
import { apiServerIsLocal, explainRedisError, reachPod } from './redis-address.js';
import { activeTemporaryReplica, failBackFromTemporaryReplica, takeOverWithTemporaryReplica } from './redis-temporary.js';
import { retryingKubernetes } from '../../integrations/retry-policy.js';
import { pollUntil } from './retry.js';
import { isSentinelPod } from './tags.js';
import type { PlanPod, RolloutContext } from './types.js';

export const SENTINEL_MASTER_ANNOTATION = 'deckhand.dev/sentinel-master-name';
const CONFIRM_TIMEOUT_MS = 60_000;
const CONFIRM_POLL_MS = 500;

const same = (a: RedisAddress | undefined, b: RedisAddress | undefined) => Boolean(a && b && a.host === b.host && a.port === b.port);

/** Every Ready Sentinel that can be reached, and why the others cannot. */
async function reachSentinels(ctx: RolloutContext, pods: PodView[], local: boolean): Promise<{ sentinels: RedisAddress[]; problems: string[] }> {
  const reaches = await Promise.all(pods.filter((p) => isSentinelPod(p) && p.ready).map(async (p) => ({ pod: p, reach: await reachPod(p, 'sentinel', local, ctx.clients.kube) })));
  return {
    sentinels: reaches.flatMap(({ reach }) => ('address' in reach ? [reach.address] : [])),
    problems: reaches.flatMap(({ pod, reach }) => ('unreachable' in reach ? [`Sentinel ${podKey(pod)}: ${reach.unreachable}`] : [])),
  };
}

const until = (ctx: RolloutContext, check: () => Promise<boolean>) => pollUntil(ctx.clock, ctx.signal, CONFIRM_TIMEOUT_MS, CONFIRM_POLL_MS, check);

/**
 * What the drain may do with a Redis pod now: evict it, wait (a failover or a replica's sync is pending), or
 * nothing until a human decides, because its role or its Sentinels cannot be verified (`unverified` says why).
 */
export type RedisMove = 'evict' | { wait: string } | { unverified: string };

/**
 * A failover only targets a replica on a node that is not being drained (otherwise the master would bounce
 * between old nodes): while every replica sits on a draining node, those replicas move first (evicted at once).
 */
export async function moveRedisPod(ctx: RolloutContext, pod: PodView, draining: Set<string>): Promise<RedisMove> {
  const local = apiServerIsLocal(ctx.clients.kube);
  const reach = await reachPod(pod, 'redis', local, ctx.clients.kube);
  if ('unreachable' in reach) return { unverified: reach.unreachable };
  try {
    return await moveReachable(ctx, pod, reach.address, draining, local);
  } catch (error) {
    if (ctx.signal?.aborted) throw error;
    return { unverified: explainRedisError(error) };
  }
}

async function moveReachable(ctx: RolloutContext, pod: PodView, address: RedisAddress, draining: Set<string>, local: boolean): Promise<RedisMove> {
  const role = await readRole(address);
  if (role.role === 'sentinel') return { unverified: 'its port "redis" answers as a Sentinel' };
  if (role.role === 'replica') return 'evict';
  const procedure = pod.labels[PROCEDURE_LABEL];
  const pods = await retryingKubernetes(ctx.clock, ctx.signal, () => listPods(ctx.clients.kube));
  const byAddress = new Map<string, PodView>(pods.flatMap((p) => (p.podIP && p.ports.redis && !p.terminating ? [[addressText({ host: p.podIP, port: p.ports.redis }), p] as const] : [])));
  const offDrain = (a: RedisAddress) => {
    const target = byAddress.get(addressText(a));
    return Boolean(target && target.ready && target.nodeName && !draining.has(target.nodeName));
  };
  if (procedure === 'redis-sentinel') return moveSentinelMaster(ctx, pod, address, role.replicas, pods, offDrain, local);
  if (procedure === 'redis-cluster') {
    const nodes = activeTemporaryReplica(ctx.state, pod) ? [] : await clusterNodes(address);
    const self = nodes.find((n) => n.flags.includes('myself'));
    const replicas = nodes.filter((n) => self && n.masterId === self.id && n.connected && !n.flags.includes('fail'));
    // No replica at all: a temporary one takes over (the old primary is then a replica, evicted at once).
    // Replicas only on draining nodes: they move first.
    if (replicas.length === 0) {
      await takeOverWithTemporaryReplica(ctx, pod, address, pods);
      return { wait: `a temporary replica takes over (${pod.name} has no replica)` };
    }
    const replica = replicas.find((n) => offDrain(n.address));
    if (!replica) return { wait: 'its replicas are on draining nodes: they move first' };
    await ctx.audit('redis:ClusterFailover', { pod: podKey(pod), replica: addressText(replica.address) });
    try {
      await clusterFailover(replica.address);
    } catch (error) {
      return { wait: `CLUSTER FAILOVER refused: ${explainRedisError(error)}` };
    }
    const promoted = await until(ctx, async () => (await readRole(replica.address)).role === 'master' && (await readRole(address)).role === 'replica');
    if (promoted) await ctx.progress.milestone(`Redis Cluster: ${byAddress.get(addressText(replica.address))?.name ?? addressText(replica.address)} took over from ${pod.name} before eviction`);
    return { wait: `CLUSTER FAILOVER to ${addressText(replica.address)}` };
  }
  return { unverified: `a master with the unknown procedure "${procedure}"` };
}

/**
 * A pod that calls itself master in a Sentinel-managed set. Sentinel is the authority (clients, and the pod
 * itself when it restarts, ask it for the master): once every reachable Sentinel names another master that
 * answers as one, this pod may go, even before Sentinel demotes it (it does so on its own schedule, 10-20 s
 * later). Otherwise SENTINEL FAILOVER, sent to a Sentinel that would promote an in-sync replica on a node that
 * stays: a Sentinel that just restarted (moved by this drain) learns the replicas from the master's INFO only at
 * its next read, up to 10 s later, and meanwhile refuses with NOGOODSLAVE.
 */
async function moveSentinelMaster(ctx: RolloutContext, pod: PodView, address: RedisAddress, replicas: RedisAddress[], pods: PodView[], offDrain: (a: RedisAddress) => boolean, local: boolean): Promise<RedisMove> {
  const key = podKey(pod);
  const masterName = pod.annotations[SENTINEL_MASTER_ANNOTATION] ?? 'mymaster';
  const { sentinels, problems } = await reachSentinels(ctx, pods, local);
  if (sentinels.length === 0) return problems.length ? { unverified: `no Sentinel can be reached: ${problems.join('; ')}` } : { wait: 'no Sentinel Ready' };
  const masters = await Promise.all(sentinels.map((s) => sentinelMasterAddress(s, masterName)));
  if (masters.some((m) => !m)) return { unverified: `a Sentinel knows no master named "${masterName}" (annotation ${SENTINEL_MASTER_ANNOTATION})` };
  const elsewhere = masters.filter((m) => !same(m, address));
  if (elsewhere.length > 0) {
    if (elsewhere.length < masters.length || !elsewhere.every((m) => same(m, elsewhere[0]))) return { wait: `Sentinels do not agree on the master yet (${masters.map((m) => addressText(m!)).join(', ')})` };
    const master = elsewhere[0]!;
    if ((await readRole({ ...master, access: address.access })).role !== 'master') return { wait: `Sentinel names ${addressText(master)} master; it does not answer as master yet` };
    if (ctx.state.sentinelFailovers?.[key] === 'sent') {
      ctx.state.sentinelFailovers[key] = 'confirmed';
      await ctx.checkpoint();
      await ctx.progress.milestone(`Sentinel ${masterName}: master moved off ${pod.name} before eviction`);
    }
    return 'evict';
  }
  if (ctx.state.sentinelFailovers?.[key] === 'sent' && (await Promise.all(sentinels.map((s) => sentinelFailoverInProgress(s, masterName)))).some(Boolean)) {
    return { wait: `Sentinel failing ${masterName} over` };
  }
  const candidates = await Promise.all(replicas.filter(offDrain).map(async (a) => ({ address: a, info: await replicationInfo(a).catch(() => undefined) })));
  const synced = candidates.filter((c) => c.info && replicaInSync(c.info));
  if (synced.length === 0) return { wait: 'no replica in sync on a node that stays (replicas on draining nodes move first)' };
  const views = await Promise.all(sentinels.map((s) => sentinelReplicas(s, masterName)));
  const index = views.findIndex((view) => synced.some((c) => sentinelWouldPromote(view.find((v) => same(v.address, c.address)), c.info!)));
  if (index < 0) return { wait: `no Sentinel sees ${synced.map((c) => addressText(c.address)).join(', ')} as a replica it would promote yet (Sentinel re-reads INFO every 10 s)` };
  const sentinel = sentinels[index]!;
  await ctx.audit('redis:SentinelFailover', { pod: key, masterName, sentinel: addressText(sentinel) });
  try {
    await sentinelFailover(sentinel, masterName);
  } catch (error) {
    return { wait: `SENTINEL FAILOVER refused: ${explainRedisError(error)}` };
  }
  ctx.state.sentinelFailovers = { ...ctx.state.sentinelFailovers, [key]: 'sent' };
  await ctx.checkpoint();
  return { wait: `Sentinel failing ${masterName} over` };
}

/**
 * Make the moved old master the master again (SENTINEL FAILOVER, confirmed by GET-MASTER-ADDR-BY-NAME).
 * With several replicas Sentinel may elect another one (replica-priority decides): then this tries again.
 */
async function failBack(ctx: RolloutContext, pod: PodView, address: RedisAddress, sentinel: RedisAddress | undefined): Promise<boolean> {
  if (!sentinel) return false;
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
 * Undefined when every check passes now, else what is still awaited. `pods` is the caller's fresh list of all
 * pods (Sentinels included). A pod that cannot be reached is never taken as settled.
 */
export async function redisSettled(ctx: RolloutContext, moved: PlanPod[], pods: PodView[]): Promise<string | undefined> {
  if (moved.length === 0) return undefined;
  const local = apiServerIsLocal(ctx.clients.kube);
  const byName = new Map(pods.map((p) => [podKey(p), p]));
  const clusterAddresses: RedisAddress[] = [];
  const addresses = new Map<string, RedisAddress>();
  for (const planned of moved) {
    const pod = byName.get(podKey(planned));
    if (!pod || !pod.ready || pod.terminating) return `${podKey(planned)} not back and Ready`;
    const reach = await reachPod(pod, 'redis', local, ctx.clients.kube);
    if ('unreachable' in reach) return `${podKey(pod)}: Redis not verified: ${reach.unreachable}`;
    const address = reach.address;
    addresses.set(podKey(pod), address);
    try {
      if (planned.procedure === 'redis-sentinel') {
        const info = await replicationInfo(address);
        if (info.role === 'replica' && !replicaInSync(info)) return `${podKey(pod)}: replica sync`;
      } else {
        if (!fullyCovered(await clusterHealth(address))) return `${podKey(pod)}: cluster state / slot coverage`;
        if (!(await failBackFromTemporaryReplica(ctx, pod, address, pods))) return `${podKey(pod)}: fail back from the temporary replica`;
        clusterAddresses.push(address);
      }
    } catch (error) {
      if (ctx.signal?.aborted) throw error;
      return `${podKey(pod)}: ${explainRedisError(error)}`;
    }
  }
  // Once every temporary node is gone (a reset one still known would count as a failing node).
  for (const address of clusterAddresses) if (!(await coveredOnEveryNode(address).catch(() => false))) return `Redis Cluster at ${addressText(address)}: not ok on every node`;
  const { sentinels, problems } = await reachSentinels(ctx, pods, local);
  if (moved.some((p) => p.procedure === 'redis-sentinel') && sentinels.length === 0) return `no Sentinel reachable${problems.length ? `: ${problems.join('; ')}` : ''}`;
  if (ctx.plan.redisFailBack) {
    for (const planned of moved.filter((p) => p.procedure === 'redis-sentinel' && ctx.state.sentinelFailovers?.[podKey(p)])) {
      if (!(await failBack(ctx, byName.get(podKey(planned))!, addresses.get(podKey(planned))!, sentinels[0]))) return `${podKey(planned)}: fail back`;
    }
  }
  const masterNames = new Set(moved.filter((p) => p.procedure === 'redis-sentinel').map((p) => byName.get(podKey(p))?.annotations[SENTINEL_MASTER_ANNOTATION] ?? 'mymaster'));
  for (const masterName of masterNames) {
    for (const sentinel of sentinels) {
      await ctx.audit('redis:SentinelReset', { sentinel: addressText(sentinel), masterName });
      await sentinelReset(sentinel, masterName).catch(() => undefined);
    }
  }
  return undefined;
}
