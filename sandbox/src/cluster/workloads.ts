/**
 * Deployment → ReplicaSet → Pod, StatefulSet and DaemonSet controllers. A ReplicaSet replaces a Terminating pod
 * at once; a StatefulSet recreates a pod under the same name only after the old one is gone; a DaemonSet keeps
 * one pod on every node, bound directly and tolerating every taint. Simplified: one ReplicaSet per Deployment
 * (templates are never edited, so there is no rolling update), and StatefulSets use Parallel pod management.
 */
import type { ClusterModel } from './model.js';
import {
  controllerOf,
  isPodReady,
  isTerminating,
  setCondition,
  type NodeObject,
  type PodObject,
  type WorkloadObject,
} from './objects.js';
import type { PodLifecycle } from './pods.js';
import { ownerRef, templateHash } from './templates.js';

export class WorkloadControllers {
  constructor(
    private readonly model: ClusterModel,
    private readonly pods: PodLifecycle,
  ) {}

  reconcile(): void {
    for (const deployment of this.model.list<WorkloadObject>('Deployment')) this.syncDeployment(deployment);
    for (const rs of this.model.list<WorkloadObject>('ReplicaSet')) this.syncReplicaSet(rs);
    for (const sts of this.model.list<WorkloadObject>('StatefulSet')) this.syncStatefulSet(sts);
    for (const ds of this.model.list<WorkloadObject>('DaemonSet')) this.syncDaemonSet(ds);
  }

  updateStatuses(): void {
    for (const rs of this.model.list<WorkloadObject>('ReplicaSet')) this.replicaSetStatus(rs);
    for (const deployment of this.model.list<WorkloadObject>('Deployment')) this.deploymentStatus(deployment);
    for (const sts of this.model.list<WorkloadObject>('StatefulSet')) this.statefulSetStatus(sts);
    for (const ds of this.model.list<WorkloadObject>('DaemonSet')) this.daemonSetStatus(ds);
  }

  ownedPods(owner: WorkloadObject): PodObject[] {
    return this.model
      .list<PodObject>('Pod', owner.metadata.namespace)
      .filter((p) => controllerOf(p)?.uid === owner.metadata.uid);
  }

  replicaSetName(deployment: WorkloadObject): string {
    return `${deployment.metadata.name}-${templateHash(JSON.stringify(deployment.spec.template))}`;
  }

  private syncDeployment(deployment: WorkloadObject): void {
    const name = this.replicaSetName(deployment);
    const existing = this.model.get<WorkloadObject>('ReplicaSet', deployment.metadata.namespace, name);
    const replicas = deployment.spec.replicas ?? 1;
    if (existing) {
      if (existing.spec.replicas !== replicas) {
        existing.spec.replicas = replicas;
        existing.metadata.generation = (existing.metadata.generation ?? 1) + 1;
        this.model.save(existing);
      }
      return;
    }
    const hash = name.slice(deployment.metadata.name.length + 1);
    const template = structuredClone(deployment.spec.template);
    template.metadata.labels['pod-template-hash'] = hash;
    this.model.create<WorkloadObject>({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: deployment.metadata.namespace,
        generation: 1,
        labels: { ...deployment.spec.template.metadata.labels, 'pod-template-hash': hash },
        annotations: { 'deployment.kubernetes.io/desired-replicas': String(replicas), 'deployment.kubernetes.io/revision': '1' },
        ownerReferences: [ownerRef(deployment)],
      },
      spec: { replicas, selector: { matchLabels: { ...deployment.spec.selector.matchLabels, 'pod-template-hash': hash } }, template },
      status: { replicas: 0 },
    });
  }

  private syncReplicaSet(rs: WorkloadObject): void {
    const active = this.ownedPods(rs).filter((p) => !isTerminating(p));
    const wanted = rs.spec.replicas ?? 1;
    for (let i = active.length; i < wanted; i++) {
      this.createPod(rs, `${rs.metadata.name}-${this.model.suffix()}`, {});
    }
    if (active.length > wanted) {
      // Like the real controller: unscheduled, then not-ready, then newest pods go first.
      const victims = [...active]
        .sort((a, b) => rank(a) - rank(b) || b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp))
        .slice(0, active.length - wanted);
      for (const pod of victims) this.pods.beginTermination(pod);
    }
  }

  private syncStatefulSet(sts: WorkloadObject): void {
    const wanted = sts.spec.replicas ?? 1;
    const owned = this.ownedPods(sts);
    for (let ordinal = 0; ordinal < wanted; ordinal++) {
      const name = `${sts.metadata.name}-${ordinal}`;
      if (this.model.get('Pod', sts.metadata.namespace, name)) continue;
      this.createPod(sts, name, {
        'statefulset.kubernetes.io/pod-name': name,
        'apps.kubernetes.io/pod-index': String(ordinal),
      }, (spec) => {
        spec.hostname = name;
        spec.subdomain = sts.spec.serviceName ?? sts.metadata.name;
        for (const claim of (sts.spec as { volumeClaimTemplates?: { metadata: { name: string } }[] }).volumeClaimTemplates ?? []) {
          spec.volumes = [...(spec.volumes ?? []), { name: claim.metadata.name, persistentVolumeClaim: { claimName: `${claim.metadata.name}-${name}` } }];
        }
      });
    }
    for (const pod of owned) {
      const ordinal = Number(pod.metadata.name.slice(sts.metadata.name.length + 1));
      if (ordinal >= wanted && !isTerminating(pod)) this.pods.beginTermination(pod);
    }
  }

  private syncDaemonSet(ds: WorkloadObject): void {
    const owned = this.ownedPods(ds);
    for (const node of this.model.list<NodeObject>('Node')) {
      if (owned.some((p) => p.spec.nodeName === node.metadata.name)) continue;
      const pod = this.createPod(ds, `${ds.metadata.name}-${this.model.suffix()}`, {}, (spec) => {
        spec.tolerations = [...(spec.tolerations ?? []), { operator: 'Exists' }];
      });
      this.pods.bind(pod, node);
    }
  }

  private createPod(
    owner: WorkloadObject,
    name: string,
    extraLabels: Record<string, string>,
    customize?: (spec: PodObject['spec']) => void,
  ): PodObject {
    const spec = structuredClone(owner.spec.template.spec);
    customize?.(spec);
    const revision = templateHash(JSON.stringify(owner.spec.template));
    const labels = { ...owner.spec.template.metadata.labels, ...extraLabels };
    if (owner.kind !== 'ReplicaSet') labels['controller-revision-hash'] = `${owner.metadata.name}-${revision}`;
    const pod = this.model.create<PodObject>({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: owner.metadata.namespace,
        generateName: owner.kind === 'StatefulSet' ? undefined : `${owner.metadata.name}-`,
        labels,
        annotations: { ...(owner.spec.template.metadata.annotations ?? {}) },
        ownerReferences: [ownerRef(owner)],
      },
      spec,
      status: { phase: 'Pending', qosClass: 'Burstable', conditions: [] },
    });
    this.model.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${name}`, `${owner.kind.toLowerCase()}-controller`);
    return pod;
  }

  private replicaSetStatus(rs: WorkloadObject): void {
    const active = this.ownedPods(rs).filter((p) => !isTerminating(p));
    const ready = active.filter(isPodReady).length;
    this.setStatus(rs, {
      replicas: active.length,
      fullyLabeledReplicas: active.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation ?? 1,
    });
  }

  private deploymentStatus(deployment: WorkloadObject): void {
    const rs = this.model.get<WorkloadObject>('ReplicaSet', deployment.metadata.namespace, this.replicaSetName(deployment));
    const s = (rs?.status ?? {}) as { replicas?: number; readyReplicas?: number; availableReplicas?: number };
    const replicas = deployment.spec.replicas ?? 1;
    const available = s.availableReplicas ?? 0;
    const now = this.model.nowIso();
    const previous = (deployment.status.conditions as Parameters<typeof setCondition>[0] | undefined) ?? [];
    const minAvailable = replicas - Math.max(1, Math.floor(replicas / 4)); // default maxUnavailable 25%
    let conditions = setCondition(
      previous,
      available >= minAvailable
        ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      now,
    );
    conditions = setCondition(conditions, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rs?.metadata.name}" has successfully progressed.` }, now);
    this.setStatus(deployment, {
      observedGeneration: deployment.metadata.generation ?? 1,
      replicas: s.replicas ?? 0,
      updatedReplicas: s.replicas ?? 0,
      readyReplicas: s.readyReplicas ?? 0,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, replicas - available),
      conditions,
    });
  }

  private statefulSetStatus(sts: WorkloadObject): void {
    const pods = this.ownedPods(sts);
    const ready = pods.filter(isPodReady).length;
    const revision = `${sts.metadata.name}-${templateHash(JSON.stringify(sts.spec.template))}`;
    this.setStatus(sts, {
      observedGeneration: sts.metadata.generation ?? 1,
      replicas: pods.length,
      readyReplicas: ready,
      currentReplicas: pods.length,
      updatedReplicas: pods.length,
      availableReplicas: ready,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
    });
  }

  private daemonSetStatus(ds: WorkloadObject): void {
    const pods = this.ownedPods(ds).filter((p) => !isTerminating(p));
    const nodes = this.model.list<NodeObject>('Node').length;
    const ready = pods.filter(isPodReady).length;
    this.setStatus(ds, {
      observedGeneration: ds.metadata.generation ?? 1,
      desiredNumberScheduled: nodes,
      currentNumberScheduled: pods.length,
      updatedNumberScheduled: pods.length,
      numberReady: ready,
      numberAvailable: ready,
      numberUnavailable: Math.max(0, nodes - ready),
      numberMisscheduled: 0,
    });
  }

  /** Saves only when something changed, so status writes do not trigger endless reconciles. */
  private setStatus(obj: WorkloadObject, status: Record<string, unknown>): void {
    const next = { ...obj.status, ...status };
    if (JSON.stringify(withoutTimes(next)) === JSON.stringify(withoutTimes(obj.status))) return;
    obj.status = next;
    this.model.save(obj);
  }
}

function rank(pod: PodObject): number {
  if (!pod.spec.nodeName) return 0;
  return isPodReady(pod) ? 2 : 1;
}

function withoutTimes(status: Record<string, unknown>): unknown {
  return JSON.parse(JSON.stringify(status, (k, v: unknown) => (k === 'lastTransitionTime' || k === 'lastUpdateTime' ? undefined : v)));
}
