/**
 * The order Redis needs while nodes drain, whether or not a PDB says so. A Redis set is the pods of one
 * StatefulSet carrying a procedure label, or the Sentinels (label app=redis-sentinel) of one Deployment. One pod
 * of a set moves at a time, and the next only once the move is confirmed: the set's workload has every replica
 * Ready again, no pod of it is terminating, and every replica of a data set is in sync with its master. So at
 * most one replica is away at a time (never every Cluster primary without its replica at once), and the
 * Sentinels never drop below their quorum (read from SENTINEL MASTERS; with 3 Sentinels one at a time keeps 2).
 */
import { listWorkloads, podKey, topController, type OwnerRef, type PodView, type WorkloadView } from '../../integrations/kubernetes/pods.js';
import { readRole } from '../../integrations/redis-procedures/cluster.js';
import { replicaInSync, replicationInfo, sentinelQuorums } from '../../integrations/redis-procedures/sentinel.js';
import { PROCEDURE_LABEL } from './observe.js';
import { apiServerIsLocal, explainRedisError, reachPod } from './redis-address.js';
import { retryingKubernetes } from '../../integrations/retry-policy.js';
import { isSentinelPod } from './tags.js';
import type { RolloutContext } from './types.js';

/** The controller whose pods form the pod's Redis set (a StatefulSet, or the Sentinels' ReplicaSet), or undefined for a pod that is not Redis. */
function redisSetOf(pod: PodView): OwnerRef | undefined {
  return pod.labels[PROCEDURE_LABEL] || isSentinelPod(pod) ? pod.owner : undefined;
}

const setKey = (set: OwnerRef) => `${set.kind}/${set.namespace}/${set.name}`;

/** Per drain tick: which sets already have a pod leaving in this tick. */
export class RedisMoves {
  private readonly moving = new Set<string>();

  private workloads?: { workloads: WorkloadView[]; replicaSetOwners: Map<string, OwnerRef> };

  constructor(
    private readonly ctx: RolloutContext,
    private readonly pods: PodView[],
  ) {}

  /**
   * Undefined when `pod` may leave now (and it is then counted as leaving), else what it waits for. A pod that
   * is not Redis always may.
   */
  async mayLeave(pod: PodView): Promise<string | undefined> {
    const set = redisSetOf(pod);
    if (!set) return undefined;
    const key = setKey(set);
    if (this.moving.has(key)) return `one Redis move at a time: another pod of ${set.kind} ${set.namespace}/${set.name} is leaving`;
    const members = this.pods.filter((p) => {
      const other = redisSetOf(p);
      return other !== undefined && setKey(other) === key;
    });
    const moving = members.filter((p) => p.terminating || !p.ready);
    if (moving.length > 0) return `one Redis move at a time: waiting for ${moving.map((p) => p.name).join(', ')} to be back and Ready`;
    // Read once per tick, and only here: most ticks stop at the pods above while a move is under way.
    this.workloads ??= await listWorkloads(this.ctx.clients.kube, (call) => retryingKubernetes(this.ctx.clock, this.ctx.signal, call));
    const owner = topController(pod, this.workloads.replicaSetOwners) ?? set;
    const workload = this.workloads.workloads.find((w) => w.kind === owner.kind && w.namespace === owner.namespace && w.name === owner.name);
    if (workload && workload.readyReplicas < workload.replicas) return `one Redis move at a time: ${owner.kind} ${owner.namespace}/${owner.name} has ${workload.readyReplicas}/${workload.replicas} Ready`;
    const unsafe = isSentinelPod(pod) ? await this.belowQuorum(members) : await this.replicasBehind(members.filter((p) => podKey(p) !== podKey(pod)));
    if (unsafe) return unsafe;
    this.moving.add(key);
    return undefined;
  }

  /** Ready Sentinels after this one leaves would be below the highest quorum they monitor with. */
  private async belowQuorum(sentinels: PodView[]): Promise<string | undefined> {
    const local = apiServerIsLocal(this.ctx.clients.kube);
    for (const sentinel of sentinels) {
      const reach = await reachPod(sentinel, 'sentinel', local, this.ctx.clients.kube);
      if (!('address' in reach)) continue;
      const quorum = Math.max(0, ...(await sentinelQuorums(reach.address).catch(() => [])));
      if (sentinels.length - 1 < quorum) return `${sentinels.length} Sentinel(s) Ready, quorum ${quorum}: moving one would leave too few`;
      return undefined;
    }
    // Quorum unknown: one at a time still keeps all but one Sentinel Ready.
    return undefined;
  }

  /** A replica of the set still syncing (a confirmation of the previous move), or one that cannot be checked. */
  private async replicasBehind(others: PodView[]): Promise<string | undefined> {
    const local = apiServerIsLocal(this.ctx.clients.kube);
    for (const other of others) {
      const reach = await reachPod(other, 'redis', local, this.ctx.clients.kube);
      if ('unreachable' in reach) return `cannot check ${other.name}: ${reach.unreachable}`;
      try {
        if ((await readRole(reach.address)).role !== 'replica') continue;
        if (!replicaInSync(await replicationInfo(reach.address))) return `one Redis move at a time: ${other.name} is still syncing`;
      } catch (error) {
        if (this.ctx.signal?.aborted) throw error;
        return `cannot check ${other.name}: ${explainRedisError(error)}`;
      }
    }
    return undefined;
  }
}
