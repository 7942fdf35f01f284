/**
 * Node lifecycle from the cloud's instance events: a booted instance's kubelet registers a NotReady Node
 * (tainted `node.kubernetes.io/not-ready`), which turns Ready after the kubelet delay unless a fault says it never
 * will; a terminated instance's Node and every pod bound to it disappear (pod garbage collection).
 */
import type { Faults, InstanceInfo, MutationLog } from '../contracts.js';
import { nodeResources } from './instance-types.js';
import type { ClusterModel } from './model.js';
import { isDaemonSetPod, setCondition, type NodeObject, type PodObject } from './objects.js';
import type { PodLifecycle } from './pods.js';

const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
const UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable';

export class NodeLifecycle {
  private readonly cancels: (() => void)[] = [];

  constructor(
    private readonly model: ClusterModel,
    private readonly faults: Faults,
    private readonly log: MutationLog,
    private readonly pods: PodLifecycle,
    private readonly settings: { kubeletReadyMs: number; kubernetesVersion: string },
  ) {}

  /** `alreadyReady`: the instance ran before the sandbox started, so its Node is Ready from the start. */
  register(instance: InstanceInfo, alreadyReady = false): void {
    const name = instance.privateDnsName;
    if (this.model.get('Node', undefined, name)) return;
    const now = this.model.nowIso();
    const resources = nodeResources(instance.instanceType);
    const node = this.model.create<NodeObject>({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'beta.kubernetes.io/os': 'linux',
          'beta.kubernetes.io/arch': 'amd64',
          'node.kubernetes.io/instance-type': instance.instanceType,
          'beta.kubernetes.io/instance-type': instance.instanceType,
          'topology.kubernetes.io/zone': instance.availabilityZone,
          'topology.kubernetes.io/region': instance.availabilityZone.slice(0, -1),
          'failure-domain.beta.kubernetes.io/zone': instance.availabilityZone,
          ...instance.nodeLabels,
        },
        annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
      },
      spec: {
        providerID: `aws:///${instance.availabilityZone}/${instance.instanceId}`,
        taints: alreadyReady ? [] : [{ key: NOT_READY_TAINT, effect: 'NoSchedule' }],
      },
      status: {
        capacity: { ...resources.capacity, 'ephemeral-storage': '20959212Ki' },
        allocatable: { ...resources.allocatable, 'ephemeral-storage': '18242267924' },
        conditions: [
          { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: now, lastTransitionTime: now },
          { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', lastHeartbeatTime: now, lastTransitionTime: now },
          { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', lastHeartbeatTime: now, lastTransitionTime: now },
          alreadyReady
            ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }
            : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'container runtime network not ready: NetworkReady=false', lastHeartbeatTime: now, lastTransitionTime: now },
        ],
        addresses: [
          { type: 'InternalIP', address: instance.privateIp },
          { type: 'Hostname', address: name },
          { type: 'InternalDNS', address: name },
        ],
        nodeInfo: {
          kubeletVersion: this.settings.kubernetesVersion,
          kubeProxyVersion: this.settings.kubernetesVersion,
          containerRuntimeVersion: 'containerd://1.7.11',
          operatingSystem: 'linux',
          architecture: 'amd64',
          osImage: 'Amazon Linux 2',
          kernelVersion: '5.10.210-201.852.amzn2.x86_64',
          machineID: instance.instanceId,
          systemUUID: instance.instanceId,
          bootID: this.model.uid(),
        },
      },
    });
    this.model.event(node, 'Normal', 'RegisteredNode', `Node ${name} event: Registered Node ${name} in Controller`, 'node-controller');
    if (alreadyReady || this.neverReady(instance)) return;
    this.cancels.push(this.model.clock.after(this.settings.kubeletReadyMs, () => this.markReady(name)));
  }

  private neverReady(instance: InstanceInfo): boolean {
    return this.faults.neverReadyInstances.has(instance.instanceId) || this.faults.neverReadyImages.has(instance.imageId);
  }

  private markReady(name: string): void {
    const node = this.model.get<NodeObject>('Node', undefined, name);
    if (!node) return;
    const now = this.model.nowIso();
    node.status.conditions = setCondition(
      node.status.conditions,
      { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now },
      now,
    );
    node.spec.taints = (node.spec.taints ?? []).filter((t) => t.key !== NOT_READY_TAINT);
    this.model.save(node);
    this.model.event(node, 'Normal', 'NodeReady', `Node ${name} status is now: NodeReady`, 'kubelet');
  }

  /** The safety record: which workload pods were still on the node when its instance was terminated. */
  recordTerminating(instance: InstanceInfo): void {
    const nodeName = instance.privateDnsName;
    const pods = this.podsOn(nodeName).filter((p) => !isDaemonSetPod(p));
    this.log.record({
      at: this.model.clock.now(),
      service: 'kubernetes',
      action: 'node-terminating',
      target: nodeName,
      details: {
        instanceId: instance.instanceId,
        pods: pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
        terminatingPods: pods.filter((p) => p.metadata.deletionTimestamp).map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
      },
    });
  }

  remove(instance: InstanceInfo): void {
    const node = this.model.get<NodeObject>('Node', undefined, instance.privateDnsName);
    if (!node) return;
    for (const pod of this.podsOn(node.metadata.name)) this.pods.removeNow(pod);
    this.model.remove(node);
  }

  /** The node lifecycle controller mirrors `spec.unschedulable` (cordon) as the unschedulable NoSchedule taint. */
  reconcile(): void {
    for (const node of this.model.list<NodeObject>('Node')) {
      const taints = node.spec.taints ?? [];
      const tainted = taints.some((t) => t.key === UNSCHEDULABLE_TAINT);
      if (Boolean(node.spec.unschedulable) === tainted) continue;
      node.spec.taints = tainted
        ? taints.filter((t) => t.key !== UNSCHEDULABLE_TAINT)
        : [...taints, { key: UNSCHEDULABLE_TAINT, effect: 'NoSchedule', timeAdded: this.model.nowIso() }];
      this.model.save(node);
    }
  }

  stop(): void {
    for (const cancel of this.cancels) cancel();
  }

  private podsOn(nodeName: string): PodObject[] {
    return this.model.list<PodObject>('Pod').filter((p) => p.spec.nodeName === nodeName);
  }
}
