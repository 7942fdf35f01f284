/**
 * Moving a Redis Cluster primary that has no replica (seed-posts §1.4, the author's cache
 * cluster runs without replicas "for cost reasons"):
 *  1. create `<pod>-deckhand-tmp` from the owning StatefulSet's pod template (temporary label, tolerations of the
 *     rollout's taint dropped so it lands on a new node), and wait until it is Ready;
 *  2. CLUSTER MEET it to the primary, CLUSTER REPLICATE <primary id>, wait for the sync
 *     (master_link_status:up, master_sync_in_progress:0);
 *  3. CLUSTER FAILOVER on the temporary node, confirmed with ROLE: the drain then evicts the old primary;
 *  4. once the pod is back under its name (it rejoins through its nodes.conf) and in sync as a replica of the
 *     temporary node: CLUSTER FAILOVER on it (fail back), confirmed with ROLE;
 *  5. CLUSTER RESET HARD on the temporary node, CLUSTER FORGET its id on every other node in one pass (each
 *     node bans the id from gossip for 60 s, so no node learns it back from another), delete its pod.
 * Each sub-step reads the current roles before acting, so re-running one after a crash is harmless; the
 * temporary pod's name is in the checkpoint before it is created, and a create that finds it is a no-op.
 */
import type { KubeConfig, V1Pod, V1Toleration } from '@kubernetes/client-node';
import { deletePod, podKey, type PodView } from '../../integrations/kubernetes/pods.js';
import { createPod, readStatefulSetTemplate, type StatefulSetTemplate } from '../../integrations/kubernetes/temporary-pods.js';
import {
  addressText,
  clusterFailover,
  clusterForget,
  clusterMeet,
  clusterMyId,
  clusterNodes,
  clusterReplicate,
  clusterResetHard,
  readRole,
  type RedisAddress,
} from '../../integrations/redis-procedures/cluster.js';
import { replicaInSync, replicationInfo } from '../../integrations/redis-procedures/sentinel.js';
import { apiServerIsLocal, explainRedisError, podAddress, reachPod } from './redis-address.js';
import { retryingKubernetes } from '../../integrations/retry-policy.js';
import { pollUntil } from './retry.js';
import type { RolloutContext, RolloutState, TemporaryReplica } from './types.js';

export const TEMPORARY_FOR_LABEL = 'deckhand.dev/temporary-for';
export const TEMPORARY_RUN_ANNOTATION = 'deckhand.dev/temporary-run';
export const TEMPORARY_SUFFIX = '-deckhand-tmp';
const CONFIRM_TIMEOUT_MS = 60_000;
const CONFIRM_POLL_MS = 100;


const until = (ctx: RolloutContext, check: () => Promise<boolean>) => pollUntil(ctx.clock, ctx.signal, CONFIRM_TIMEOUT_MS, CONFIRM_POLL_MS, check);

/** The temporary pod runs the primary's template: the same cluster, reached with the same access. */
function temporaryAddress(kube: KubeConfig, temporary: PodView, primary: RedisAddress): RedisAddress | undefined {
  const at = podAddress(temporary, 'redis', apiServerIsLocal(kube));
  return at && { ...at, access: primary.access };
}

/** The record of a primary moving through a temporary replica, while that replica is not yet removed. */
export function activeTemporaryReplica(state: RolloutState, pod: { namespace: string; name: string }): TemporaryReplica | undefined {
  const record = state.temporaryReplicas?.[podKey(pod)];
  return record && !record.removed ? record : undefined;
}

/**
 * The temporary pod: the StatefulSet's template under a new name, with the volumes of its claim templates as
 * emptyDir (its own empty data directory) and without tolerations of the rollout's taint.
 */
export function temporaryPodSpec(primary: PodView, sts: StatefulSetTemplate, name: string, taintKey: string, runId: string): V1Pod {
  const template = structuredClone(sts.template);
  const spec = template.spec!;
  const volumes = spec.volumes ?? [];
  for (const claim of sts.claimNames) if (!volumes.some((v) => v.name === claim)) volumes.push({ name: claim, emptyDir: {} });
  const tolerates = (t: V1Toleration) => t.key === taintKey || (t.operator === 'Exists' && !t.key);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: primary.namespace,
      labels: { ...template.metadata?.labels, [TEMPORARY_FOR_LABEL]: primary.name },
      annotations: { ...template.metadata?.annotations, [TEMPORARY_RUN_ANNOTATION]: runId },
    },
    spec: { ...spec, volumes, tolerations: (spec.tolerations ?? []).filter((t) => !tolerates(t)), nodeName: undefined, hostname: undefined, subdomain: undefined },
  };
}

async function ensurePod(ctx: RolloutContext, primary: PodView, record: TemporaryReplica): Promise<boolean> {
  const owner = primary.owner!;
  const sts = await retryingKubernetes(ctx.clock, ctx.signal, () => readStatefulSetTemplate(ctx.clients.kube, owner.namespace, owner.name));
  if (!sts?.template.spec) return false;
  const body = temporaryPodSpec(primary, sts, record.pod, ctx.plan.taintKey, ctx.planId);
  await ctx.audit('kubernetes:CreatePod', { pod: `${record.namespace}/${record.pod}`, temporaryFor: podKey(primary), template: `StatefulSet ${owner.namespace}/${owner.name}` });
  const outcome = await retryingKubernetes(ctx.clock, ctx.signal, () => createPod(ctx.clients.kube, body));
  if (outcome === 'created') await ctx.progress.milestone(`Redis Cluster: ${primary.name} has no replica; created the temporary replica ${record.pod}`);
  return true;
}

/**
 * Steps 1-3 for a primary without a replica, one sub-step per call; once the temporary node took over, the
 * caller sees the old primary as a replica and evicts it.
 */
export async function takeOverWithTemporaryReplica(ctx: RolloutContext, primary: PodView, address: RedisAddress, pods: PodView[]): Promise<void> {
  if (primary.owner?.kind !== 'StatefulSet') return; // no template to copy: left to the drain timeout question
  ctx.state.temporaryReplicas ??= {};
  let record = activeTemporaryReplica(ctx.state, primary);
  if (!record) {
    record = { namespace: primary.namespace, pod: `${primary.name}${TEMPORARY_SUFFIX}`, primaryId: await clusterMyId(address) };
    ctx.state.temporaryReplicas[podKey(primary)] = record;
    await ctx.checkpoint();
  }
  const temporary = pods.find((p) => p.namespace === record.namespace && p.name === record.pod);
  if (!temporary) {
    if (record.temporaryId) {
      // A new pod (cleanup removed the earlier one): it gets a new node id.
      record.temporaryId = undefined;
      await ctx.checkpoint();
    }
    await ensurePod(ctx, primary, record);
    return;
  }
  const tempAddress = temporary.ready && !temporary.terminating ? temporaryAddress(ctx.clients.kube, temporary, address) : undefined;
  if (!tempAddress) return;
  if (!record.temporaryId) {
    record.temporaryId = await clusterMyId(tempAddress);
    await ctx.checkpoint();
  }
  const role = await readRole(tempAddress);
  if (role.role === 'master') {
    const known = (await clusterNodes(tempAddress)).some((n) => n.id === record.primaryId && !n.flags.includes('handshake'));
    if (!known) {
      await ctx.audit('redis:ClusterMeet', { node: record.pod, peer: podKey(primary), address: addressText(address) });
      await clusterMeet(tempAddress, address);
      return;
    }
    await ctx.audit('redis:ClusterReplicate', { node: record.pod, primary: podKey(primary), primaryId: record.primaryId });
    await clusterReplicate(tempAddress, record.primaryId!);
    return;
  }
  if (!replicaInSync(await replicationInfo(tempAddress))) return;
  await ctx.audit('redis:ClusterFailover', { pod: podKey(primary), replica: record.pod, reason: 'temporary replica takes over' });
  await clusterFailover(tempAddress).catch(() => undefined);
  const promoted = await until(ctx, async () => (await readRole(tempAddress)).role === 'master' && (await readRole(address)).role === 'replica');
  if (promoted) await ctx.progress.milestone(`Redis Cluster: temporary replica ${record.pod} took over from ${primary.name} before eviction`);
}

/**
 * Steps 4-5, once the moved pod is back and Ready. True when the temporary node is gone (or there was none).
 */
export async function failBackFromTemporaryReplica(ctx: RolloutContext, primary: PodView, address: RedisAddress, pods: PodView[]): Promise<boolean> {
  const record = activeTemporaryReplica(ctx.state, primary);
  if (!record) return true;
  const temporary = pods.find((p) => p.namespace === record.namespace && p.name === record.pod && !p.terminating);
  const tempAddress = temporary && temporaryAddress(ctx.clients.kube, temporary, address);
  if (tempAddress && (await readRole(address)).role !== 'master') {
    if (!replicaInSync(await replicationInfo(address))) return false;
    await ctx.audit('redis:ClusterFailover', { pod: podKey(primary), replica: podKey(primary), reason: 'fail back from the temporary replica' });
    await clusterFailover(address).catch(() => undefined);
    const back = await until(ctx, async () => (await readRole(address)).role === 'master' && (await readRole(tempAddress)).role === 'replica');
    if (!back) return false;
    await ctx.progress.milestone(`Redis Cluster: failed back to ${primary.name}`);
  }
  if ((await readRole(address)).role !== 'master') return false;
  const forgotten = await removeTemporaryNode(ctx.clients.kube, record, address, tempAddress, (action, details) => ctx.audit(action, details));
  if (!forgotten) return false;
  record.removed = true;
  await ctx.checkpoint();
  await ctx.progress.milestone(`Redis Cluster: temporary replica ${record.pod} removed (forgotten by every node, pod deleted)`);
  return true;
}

/** Reset the temporary node, make every other node forget it in one pass, delete its pod. */
async function removeTemporaryNode(
  kube: KubeConfig,
  record: TemporaryReplica,
  primary: RedisAddress,
  temporary: RedisAddress | undefined,
  audit: (action: string, details: Record<string, unknown>) => Promise<void>,
): Promise<boolean> {
  if (temporary) {
    await audit('redis:ClusterReset', { node: record.pod, mode: 'HARD' });
    await clusterResetHard(temporary).catch(() => undefined);
  }
  if (record.temporaryId) {
    // Nodes without a reachable address yet (handshake, noaddr) have not learned the temporary node either.
    const nodes = (await clusterNodes(primary)).filter((n) => n.id !== record.temporaryId && !n.flags.includes('handshake') && !n.flags.includes('noaddr'));
    const targets = nodes.map((n) => (n.flags.includes('myself') ? primary : n.address));
    await audit('redis:ClusterForget', { nodeId: record.temporaryId, nodes: targets.map(addressText) });
    const results = await Promise.all(targets.map((t) => clusterForget(t, record.temporaryId!).catch(() => false)));
    if (!results.every(Boolean)) return false;
  }
  await audit('kubernetes:DeletePod', { pod: `${record.namespace}/${record.pod}`, reason: 'temporary replica no longer needed' });
  await deletePod(kube, record.namespace, record.pod);
  return true;
}

/**
 * For cleanup: remove a temporary replica this run left behind, unless it still serves the moved primary's
 * slots (deleting it then would drop them) or its role cannot be read (then it might): that one stays, and
 * the returned text says so.
 */
export async function removeLeftoverTemporaryReplicas(kube: KubeConfig, state: RolloutState, pods: PodView[], local: boolean): Promise<string[]> {
  const done: string[] = [];
  for (const [primaryKey, record] of Object.entries(state.temporaryReplicas ?? {})) {
    if (record.removed) continue;
    const temporary = pods.find((p) => p.namespace === record.namespace && p.name === record.pod && !p.terminating);
    if (!temporary) {
      record.removed = true;
      continue;
    }
    const primary = pods.find((p) => podKey(p) === primaryKey && p.ready && !p.terminating);
    const primaryReach = primary ? await reachPod(primary, 'redis', local, kube) : undefined;
    const address = primaryReach && 'address' in primaryReach ? primaryReach.address : undefined;
    const tempReach = await reachPod(temporary, 'redis', local, kube);
    const tempAddress = 'address' in tempReach ? tempReach.address : undefined;
    if (tempAddress) {
      let serving: boolean;
      try {
        const role = await readRole(tempAddress);
        serving = role.role === 'master' && (!address || (await readRole(address)).role !== 'master');
      } catch (error) {
        done.push(`kept ${record.namespace}/${record.pod}: its role cannot be read (${explainRedisError(error)}); it may serve the slots of ${primaryKey}`);
        continue;
      }
      if (serving) {
        done.push(`kept ${record.namespace}/${record.pod}: it serves the slots of ${primaryKey}; fail back to ${primaryKey} before deleting it`);
        continue;
      }
    } else if (temporary.ready) {
      done.push(`kept ${record.namespace}/${record.pod}: ${'unreachable' in tempReach ? tempReach.unreachable : ''}; it may serve the slots of ${primaryKey}`);
      continue;
    }
    const removed = address ? await removeTemporaryNode(kube, record, address, tempAddress, async () => undefined).catch(() => false) : (await deletePod(kube, record.namespace, record.pod), true);
    if (!removed) {
      done.push(`could not remove the temporary replica ${record.namespace}/${record.pod} from the cluster; it is left running`);
      continue;
    }
    record.removed = true;
    done.push(`deleted the temporary replica ${record.namespace}/${record.pod}`);
  }
  return done;
}
