/**
 * The default scheduler, reduced to what a node rollout exercises: a pending pod goes to a Ready, schedulable
 * node whose NoSchedule/NoExecute taints it tolerates, whose nodeSelector matches, with room for its CPU/memory
 * requests and pod count, and (for a pod with an EBS-backed PVC) in the volume's zone. Among feasible nodes it
 * prefers the one with the fewest pods of the same owner, then the least requested CPU (spreading).
 */
import type { ClusterModel } from './model.js';
import { parseQuantity } from './quantity.js';
import {
  controllerOf,
  isNodeReady,
  matchesLabels,
  setCondition,
  type NodeObject,
  type PodObject,
  type PvcObject,
  type PvObject,
  type Taint,
  type Toleration,
} from './objects.js';
import type { PodLifecycle } from './pods.js';

interface Usage {
  cpu: number;
  memory: number;
  pods: number;
}

export class Scheduler {
  private readonly reportedUnschedulable = new Set<string>();

  constructor(
    private readonly model: ClusterModel,
    private readonly pods: PodLifecycle,
  ) {}

  schedulePending(): void {
    const pending = this.model
      .list<PodObject>('Pod')
      .filter((p) => !p.spec.nodeName && !p.metadata.deletionTimestamp)
      .sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp) || a.metadata.name.localeCompare(b.metadata.name));
    if (pending.length === 0) return;
    const nodes = this.model.list<NodeObject>('Node');
    const usage = this.usageByNode();
    const siblings = this.podsPerOwnerAndNode();
    for (const pod of pending) {
      const zone = this.volumeZone(pod);
      const owner = controllerOf(pod)?.uid ?? '';
      const score = (node: NodeObject) =>
        (siblings.get(`${owner}/${node.metadata.name}`) ?? 0) * 10 +
        (usage.get(node.metadata.name)?.cpu ?? 0) / parseQuantity(node.status.allocatable.cpu ?? '1');
      const feasible = nodes.filter((n) => this.fits(pod, n, usage.get(n.metadata.name), zone));
      const best = feasible.sort((a, b) => score(a) - score(b) || a.metadata.name.localeCompare(b.metadata.name))[0];
      if (!best) {
        this.reportUnschedulable(pod, nodes.length, zone);
        continue;
      }
      this.reportedUnschedulable.delete(pod.metadata.uid);
      const u = usage.get(best.metadata.name) ?? { cpu: 0, memory: 0, pods: 0 };
      const r = requests(pod);
      usage.set(best.metadata.name, { cpu: u.cpu + r.cpu, memory: u.memory + r.memory, pods: u.pods + 1 });
      siblings.set(`${owner}/${best.metadata.name}`, (siblings.get(`${owner}/${best.metadata.name}`) ?? 0) + 1);
      this.pods.bind(pod, best);
    }
  }

  private fits(pod: PodObject, node: NodeObject, used: Usage | undefined, zone: string | undefined): boolean {
    if (!isNodeReady(node) || node.spec.unschedulable) return false;
    if (!(node.spec.taints ?? []).every((t) => t.effect === 'PreferNoSchedule' || tolerated(t, pod.spec.tolerations ?? []))) return false;
    if (!matchesLabels(pod.spec.nodeSelector ?? {}, node.metadata.labels)) return false;
    if (zone && node.metadata.labels?.['topology.kubernetes.io/zone'] !== zone) return false;
    const r = requests(pod);
    const u = used ?? { cpu: 0, memory: 0, pods: 0 };
    return (
      u.cpu + r.cpu <= parseQuantity(node.status.allocatable.cpu ?? '0') + 1e-9 &&
      u.memory + r.memory <= parseQuantity(node.status.allocatable.memory ?? '0') &&
      u.pods + 1 <= parseQuantity(node.status.allocatable.pods ?? '0')
    );
  }

  /** Pods per (controller, node): the scheduler spreads a controller's pods across nodes. */
  private podsPerOwnerAndNode(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const pod of this.model.list<PodObject>('Pod')) {
      const owner = controllerOf(pod)?.uid;
      if (!owner || !pod.spec.nodeName) continue;
      const k = `${owner}/${pod.spec.nodeName}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return counts;
  }

  /** Requests of every pod bound to a node, Terminating ones included (they still hold their resources). */
  private usageByNode(): Map<string, Usage> {
    const usage = new Map<string, Usage>();
    for (const pod of this.model.list<PodObject>('Pod')) {
      if (!pod.spec.nodeName) continue;
      const u = usage.get(pod.spec.nodeName) ?? { cpu: 0, memory: 0, pods: 0 };
      const r = requests(pod);
      usage.set(pod.spec.nodeName, { cpu: u.cpu + r.cpu, memory: u.memory + r.memory, pods: u.pods + 1 });
    }
    return usage;
  }

  private volumeZone(pod: PodObject): string | undefined {
    for (const volume of pod.spec.volumes ?? []) {
      const claim = volume.persistentVolumeClaim?.claimName;
      if (!claim) continue;
      const pvc = this.model.get<PvcObject>('PersistentVolumeClaim', pod.metadata.namespace, claim);
      const pv = pvc && this.model.get<PvObject>('PersistentVolume', undefined, pvc.spec.volumeName);
      const zone = pv?.metadata.labels?.['topology.kubernetes.io/zone'];
      if (zone) return zone;
    }
    return undefined;
  }

  private reportUnschedulable(pod: PodObject, nodeCount: number, zone: string | undefined): void {
    if (this.reportedUnschedulable.has(pod.metadata.uid)) return;
    this.reportedUnschedulable.add(pod.metadata.uid);
    const message = `0/${nodeCount} nodes are available: no Ready, schedulable node with room that tolerates the pod's taints${zone ? ` in ${zone} (volume node affinity)` : ''}.`;
    pod.status.conditions = setCondition(pod.status.conditions ?? [], { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }, this.model.nowIso());
    this.model.save(pod);
    this.model.event(pod, 'Warning', 'FailedScheduling', message, 'default-scheduler');
  }
}

function requests(pod: PodObject): { cpu: number; memory: number } {
  let cpu = 0;
  let memory = 0;
  for (const c of pod.spec.containers) {
    cpu += parseQuantity(c.resources?.requests?.cpu ?? '0');
    memory += parseQuantity(c.resources?.requests?.memory ?? '0');
  }
  return { cpu, memory };
}

export function tolerated(taint: Taint, tolerations: Toleration[]): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return t.key === undefined || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}
