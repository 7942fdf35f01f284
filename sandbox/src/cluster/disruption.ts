/**
 * PodDisruptionBudgets: the disruption controller's status computation and the eviction subresource's decision,
 * following pkg/controller/disruption and pkg/registry/core/pod/storage/eviction.go.
 */
import type { Faults } from '../contracts.js';
import type { ClusterModel } from './model.js';
import { controllerOf, isPodReady, isTerminating, key, matchesSelector, setCondition, type PdbObject, type PodObject, type WorkloadObject } from './objects.js';

export type EvictionDecision =
  | { allowed: true; pdb?: { name: string; disruptionsAllowed: number } }
  | { allowed: false; status: 429; pdb: { name: string; disruptionsAllowed: number }; message: string; cause: string }
  | { allowed: false; status: 500; pdbs: string[]; message: string };

export class DisruptionController {
  constructor(
    private readonly model: ClusterModel,
    private readonly faults: Faults,
  ) {}

  pdbsFor(pod: PodObject): PdbObject[] {
    return this.model
      .list<PdbObject>('PodDisruptionBudget', pod.metadata.namespace)
      .filter((pdb) => matchesSelector(pdb.spec.selector, pod.metadata.labels));
  }

  updateStatuses(): void {
    for (const pdb of this.model.list<PdbObject>('PodDisruptionBudget')) this.refresh(pdb);
  }

  /** Recomputes one PDB's status; saves only on change. */
  refresh(pdb: PdbObject): PdbObject['status'] {
    const pods = this.model
      .list<PodObject>('Pod', pdb.metadata.namespace)
      .filter((p) => matchesSelector(pdb.spec.selector, p.metadata.labels));
    const expectedPods = this.expectedCount(pdb, pods);
    const currentHealthy = pods.filter((p) => !isTerminating(p) && isPodReady(p)).length;
    const desiredHealthy = Math.max(0, this.desiredHealthy(pdb, expectedPods));
    const blocked = this.faults.blockingPdbs.has(key(pdb.metadata.namespace, pdb.metadata.name));
    const disruptionsAllowed = blocked ? 0 : Math.max(0, currentHealthy - desiredHealthy);
    const now = this.model.nowIso();
    const next: PdbObject['status'] = {
      observedGeneration: pdb.metadata.generation ?? 1,
      disruptionsAllowed,
      currentHealthy,
      desiredHealthy,
      expectedPods,
      conditions: setCondition(
        pdb.status.conditions ?? [],
        disruptionsAllowed > 0
          ? { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '' }
          : { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '' },
        now,
      ),
    };
    const comparable = (s: PdbObject['status']) => JSON.stringify({ ...s, conditions: s.conditions?.map((c) => c.status) });
    if (comparable(next) !== comparable(pdb.status)) {
      pdb.status = next;
      this.model.save(pdb);
    }
    return pdb.status;
  }

  /** Whether the API server may evict this pod now; an allowed eviction consumes one disruption at once. */
  decideEviction(pod: PodObject): EvictionDecision {
    // canIgnorePDB: a pod that is not running or already terminating can always go.
    if (isTerminating(pod) || pod.status.phase !== 'Running') return { allowed: true };
    const pdbs = this.pdbsFor(pod);
    if (pdbs.length > 1) {
      return {
        allowed: false,
        status: 500,
        pdbs: pdbs.map((p) => p.metadata.name),
        message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      };
    }
    const pdb = pdbs[0];
    if (!pdb) return { allowed: true };
    const status = this.refresh(pdb);
    const seen = { name: pdb.metadata.name, disruptionsAllowed: status.disruptionsAllowed };
    // unhealthyPodEvictionPolicy IfHealthyBudget: an unready pod may go while the budget is met, without consuming it.
    if (!isPodReady(pod) && status.currentHealthy >= status.desiredHealthy && !this.faults.blockingPdbs.has(key(pdb.metadata.namespace, pdb.metadata.name))) {
      return { allowed: true, pdb: seen };
    }
    if (status.disruptionsAllowed <= 0) {
      return {
        allowed: false,
        status: 429,
        pdb: seen,
        message: "Cannot evict pod as it would violate the pod's disruption budget.",
        cause: `The disruption budget ${pdb.metadata.name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`,
      };
    }
    pdb.status = {
      ...status,
      disruptionsAllowed: status.disruptionsAllowed - 1,
      disruptedPods: { ...(status.disruptedPods ?? {}), [pod.metadata.name]: this.model.nowIso() },
    };
    this.model.save(pdb);
    return { allowed: true, pdb: seen };
  }

  private desiredHealthy(pdb: PdbObject, expected: number): number {
    const { minAvailable, maxUnavailable } = pdb.spec;
    if (minAvailable !== undefined) return typeof minAvailable === 'number' ? minAvailable : Math.ceil((percent(minAvailable) * expected) / 100);
    const unavailable = typeof maxUnavailable === 'number' ? maxUnavailable : Math.ceil((percent(maxUnavailable ?? '0%') * expected) / 100);
    return expected - unavailable;
  }

  /** An integer minAvailable counts the pods; anything else needs the controllers' scale, like the real controller. */
  private expectedCount(pdb: PdbObject, pods: PodObject[]): number {
    if (typeof pdb.spec.minAvailable === 'number') return pods.length;
    const scales = new Map<string, number>();
    for (const pod of pods) {
      const owner = controllerOf(pod);
      if (!owner) continue;
      let controller = this.model.get<WorkloadObject>(owner.kind as 'ReplicaSet', pod.metadata.namespace, owner.name);
      const deploymentRef = controller && controllerOf(controller);
      if (deploymentRef?.kind === 'Deployment') controller = this.model.get<WorkloadObject>('Deployment', pod.metadata.namespace, deploymentRef.name);
      if (controller) scales.set(controller.metadata.uid, controller.spec.replicas ?? 1);
    }
    return [...scales.values()].reduce((a, b) => a + b, 0);
  }
}

function percent(value: string | number): number {
  return typeof value === 'number' ? value : Number(value.replace('%', ''));
}
