/**
 * Pod lifecycle as the kubelet drives it: bound → Running (containers started) → Ready (after the startup delay
 * and, for pods backed by a real process, once that process answers); deletion → Terminating (not Ready) → gone
 * after the grace period, unless the pod is stuck.
 */
import type { Faults } from '../contracts.js';
import type { ClusterModel } from './model.js';
import { key, setCondition, type NodeObject, type PodObject } from './objects.js';

/** A real process behind a pod (the Redis pods). */
export interface PodProcesses {
  /** Whether this pod is backed by a process. */
  manages(pod: PodObject): boolean;
  /** Starts the pod's process; resolves when it accepts connections. */
  start(pod: PodObject): Promise<void>;
  stop(pod: PodObject): void;
}

export interface PodTiming {
  containerStartMs: number;
  startupMs: number;
}

export class PodLifecycle {
  private readonly timers = new Map<string, (() => void)[]>();
  private readonly goneListeners = new Set<(pod: PodObject) => void>();
  private readonly runningListeners = new Set<(pod: PodObject) => void>();
  private readonly lastHostOctet = new Map<string, number>();
  /** Pods bound while this is set start Running and Ready at once (they already ran before the sandbox started). */
  preExisting = false;

  constructor(
    private readonly model: ClusterModel,
    private readonly faults: Faults,
    private readonly timing: PodTiming,
    private readonly processes: PodProcesses,
    private readonly onProcessError: (pod: PodObject, error: unknown) => void,
  ) {}

  onGone(listener: (pod: PodObject) => void): void {
    this.goneListeners.add(listener);
  }

  onRunning(listener: (pod: PodObject) => void): void {
    this.runningListeners.add(listener);
  }

  bind(pod: PodObject, node: NodeObject): void {
    const now = this.model.nowIso();
    pod.spec.nodeName = node.metadata.name;
    pod.status.hostIP = node.status.addresses.find((a) => a.type === 'InternalIP')?.address;
    pod.status.conditions = setCondition(pod.status.conditions ?? [], { type: 'PodScheduled', status: 'True' }, now);
    // The kubelet acknowledges the pod before it pulls images and starts containers (PodStatus.startTime).
    pod.status.startTime = now;
    this.model.save(pod);
    this.model.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${key(pod.metadata.namespace, pod.metadata.name)} to ${node.metadata.name}`, 'default-scheduler');
    if (this.preExisting) {
      this.markRunning(pod);
      return;
    }
    this.addTimer(pod, this.model.clock.now() + this.timing.containerStartMs, () => this.markRunning(pod));
  }

  private markRunning(pod: PodObject): void {
    if (!this.isCurrent(pod)) return;
    const now = this.model.nowIso();
    const processReady = this.processes.manages(pod) ? this.processes.start(pod) : Promise.resolve();
    pod.status.phase = 'Running';
    pod.status.podIP = this.processes.manages(pod) ? '127.0.0.1' : this.nextPodIp(pod.status.hostIP);
    pod.status.podIPs = [{ ip: pod.status.podIP }];
    pod.status.conditions = setCondition(pod.status.conditions ?? [], { type: 'Initialized', status: 'True' }, now);
    pod.status.containerStatuses = pod.spec.containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: `${c.image}@sha256:${'0'.repeat(64)}`,
      ready: false,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: now } },
    }));
    this.model.save(pod);
    for (const c of pod.spec.containers) this.model.event(pod, 'Normal', 'Started', `Started container ${c.name}`, 'kubelet');
    for (const listener of this.runningListeners) listener(pod);
    const startupDone = this.preExisting
      ? Promise.resolve()
      : new Promise<void>((resolve) => this.addTimer(pod, this.model.clock.now() + this.timing.startupMs, resolve));
    Promise.all([startupDone, processReady]).then(
      () => this.markReady(pod),
      (error: unknown) => this.onProcessError(pod, error),
    );
  }

  private markReady(pod: PodObject): void {
    if (!this.isCurrent(pod) || pod.metadata.deletionTimestamp) return;
    const now = this.model.nowIso();
    for (const type of ['ContainersReady', 'Ready']) {
      pod.status.conditions = setCondition(pod.status.conditions ?? [], { type, status: 'True' }, now);
    }
    for (const status of pod.status.containerStatuses ?? []) status.ready = true;
    this.model.save(pod);
  }

  /** Graceful deletion: the pod turns Terminating now and disappears after its grace period. */
  beginTermination(pod: PodObject, gracePeriodSeconds?: number): void {
    if (pod.metadata.deletionTimestamp) return;
    const grace = gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    const stuck = this.faults.stuckPods.has(key(pod.metadata.namespace, pod.metadata.name));
    // Not yet bound or not running: nothing to stop, the API server deletes it at once.
    if (!pod.spec.nodeName || pod.status.phase === 'Pending' || grace === 0) {
      if (!stuck) return this.removeNow(pod);
    }
    const now = this.model.nowIso();
    pod.metadata.deletionTimestamp = new Date(this.model.clock.now() + grace * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    pod.metadata.deletionGracePeriodSeconds = grace;
    for (const type of ['ContainersReady', 'Ready']) {
      pod.status.conditions = setCondition(pod.status.conditions ?? [], { type, status: 'False', reason: 'PodTerminating' }, now);
    }
    for (const status of pod.status.containerStatuses ?? []) status.ready = false;
    this.model.save(pod);
    for (const c of pod.spec.containers) this.model.event(pod, 'Normal', 'Killing', `Stopping container ${c.name}`, 'kubelet');
    if (stuck) return;
    // SIGTERM: a Redis process shuts down at once; the pod object stays until the grace period ends.
    if (this.processes.manages(pod)) this.processes.stop(pod);
    this.addTimer(pod, this.model.clock.now() + grace * 1000, () => this.removeNow(pod));
  }

  /** The pod object is gone (grace period over, force delete, or its node vanished). */
  removeNow(pod: PodObject): void {
    if (!this.isCurrent(pod)) return;
    for (const cancel of this.timers.get(pod.metadata.uid) ?? []) cancel();
    this.timers.delete(pod.metadata.uid);
    if (this.processes.manages(pod)) this.processes.stop(pod);
    this.model.remove(pod);
    for (const listener of this.goneListeners) listener(pod);
  }

  stopAll(): void {
    for (const cancels of this.timers.values()) for (const cancel of cancels) cancel();
    this.timers.clear();
  }

  /** A VPC address in the node's /24 (the VPC CNI gives pods VPC addresses), distinct per pod on that /24. */
  private nextPodIp(hostIp = '10.0.0.1'): string {
    const prefix = hostIp.split('.').slice(0, 3).join('.');
    const hostOctet = Number(hostIp.split('.')[3]);
    let octet = this.lastHostOctet.get(prefix) ?? 100;
    do octet = octet >= 254 ? 2 : octet + 1;
    while (octet === hostOctet);
    this.lastHostOctet.set(prefix, octet);
    return `${prefix}.${octet}`;
  }

  private isCurrent(pod: PodObject): boolean {
    return this.model.get<PodObject>('Pod', pod.metadata.namespace, pod.metadata.name)?.metadata.uid === pod.metadata.uid;
  }

  private addTimer(pod: PodObject, at: number, fn: () => void): void {
    const list = this.timers.get(pod.metadata.uid) ?? [];
    list.push(this.model.clock.at(at, fn));
    this.timers.set(pod.metadata.uid, list);
  }
}

