/**
 * Real Redis behind the Redis pods: a Sentinel-monitored master/replica StatefulSet, its Sentinels, and Redis
 * Cluster StatefulSets. Every pod gets a loopback port that is stable per pod name (like a StatefulSet DNS name).
 * Redis runs in REAL time, so Sentinel's down-after-milliseconds and failover-timeout are real milliseconds, not
 * virtual ones. A restarted data pod starts as a replica of the master Sentinel currently reports (what a Redis
 * Helm chart's init script does); a restarted cluster node rejoins through the nodes.conf in its data directory.
 * A bare pod labelled as a temporary Redis Cluster pod gets a new port and an empty node that joins nothing.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PodObject } from '../objects.js';
import type { PodProcesses } from '../pods.js';
import type { ClusterScenario, RedisClusterSpec, SentinelGroupSpec } from '../scenario.js';
import { allocatePorts, releasePorts } from './ports.js';
import { pollRedis, RedisProcess, withRedis } from './process.js';
import { bootstrapCluster } from './cluster-bootstrap.js';

const POOL_SIZE = 8;

type Role =
  | { kind: 'sentinel-data'; group: SentinelGroupSpec; ordinal: number }
  | { kind: 'sentinel'; group: SentinelGroupSpec }
  | { kind: 'cluster'; spec: RedisClusterSpec }
  /** A bare pod created as a temporary replica (the rollout's no-replica procedure): an empty cluster node. */
  | { kind: 'cluster-temporary' };

/** Marks a pod created to stand in for another Redis Cluster pod while it moves. */
export const TEMPORARY_FOR_LABEL = 'deckhand.dev/temporary-for';
/** The label that names a pod's Redis procedure (deckhand's src/jobs/rollout/observe.ts). */
export const PROCEDURE_LABEL = 'deckhand.dev/procedure';

export interface RedisTopology {
  sentinel: SentinelGroupSpec[];
  clusters: RedisClusterSpec[];
}

export class RedisPods implements PodProcesses {
  private readonly ports = new Map<string, number>();
  private pool: number[] = [];
  private readonly processes = new Map<string, RedisProcess>();
  private readonly byPort = new Map<number, RedisProcess>();
  private readonly bootstrapped = new Set<string>();
  private readonly pending = new Set<Promise<unknown>>();
  /** Sentinel port → the Sentinel Deployment (namespace/name) it belongs to. */
  private readonly sentinelPorts = new Map<number, string>();
  /** In-flight starts of Sentinel-monitored data pods, per StatefulSet. */
  private readonly dataLaunches = new Map<string, Set<Promise<void>>>();
  /** Pods stopped while their process was still being prepared. */
  private readonly cancelled = new Set<string>();
  private bootstrapFailure?: Error;

  constructor(
    private readonly topology: RedisTopology,
    private readonly secrets: ClusterScenario['secrets'],
    private readonly dataDir: string,
    private readonly statefulSetReplicas: (namespacedName: string) => number,
  ) {}

  /** Reserves ports for every StatefulSet pod name up front, plus a pool for Sentinel pods (random names). */
  async init(): Promise<void> {
    for (const group of this.topology.sentinel) this.password(group); // a missing Secret is a scenario error, now
    const names: string[] = [];
    for (const group of this.topology.sentinel) names.push(...this.ordinalNames(group.statefulSet));
    for (const spec of this.topology.clusters) names.push(...this.ordinalNames(spec.statefulSet));
    const ports = await allocatePorts(names.length + POOL_SIZE);
    names.forEach((name, i) => this.ports.set(name, ports[i]!));
    this.pool = ports.slice(names.length);
  }

  manages(pod: PodObject): boolean {
    return this.roleOf(pod) !== undefined;
  }

  /** The loopback port of a pod (namespace/name), if it has one. */
  portOf(namespacedName: string): number | undefined {
    return this.ports.get(namespacedName);
  }

  start(pod: PodObject): Promise<void> {
    const role = this.roleOf(pod)!;
    const id = `${pod.metadata.namespace}/${pod.metadata.name}`;
    let port: number;
    try {
      port = this.portFor(id);
    } catch (error) {
      return Promise.reject(error);
    }
    const portName = role.kind === 'sentinel' ? 'sentinel' : 'redis';
    for (const c of pod.spec.containers) for (const p of c.ports ?? []) if (p.name === portName) p.containerPort = port;
    pod.metadata.annotations = { ...pod.metadata.annotations, 'sandbox.deckhand.dev/address': `127.0.0.1:${port}` };
    const started = this.launch(pod.metadata.uid, id, port, role);
    this.track(started);
    if (role.kind === 'sentinel-data') {
      const launches = this.dataLaunches.get(role.group.statefulSet) ?? new Set();
      launches.add(started);
      this.dataLaunches.set(role.group.statefulSet, launches);
      void started.catch(() => undefined).finally(() => launches.delete(started));
    }
    return started;
  }

  stop(pod: PodObject): void {
    const proc = this.processes.get(pod.metadata.uid);
    if (!proc) {
      this.cancelled.add(pod.metadata.uid); // still starting: launch() sees this before it spawns
      return;
    }
    this.processes.delete(pod.metadata.uid);
    this.track(proc.stop());
  }

  /**
   * Waits for in-flight starts, stops and cluster bootstraps. A bootstrap that failed is thrown here: a cluster
   * that never formed must fail the sandbox's start, not a test minutes later.
   */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    if (this.bootstrapFailure) throw this.bootstrapFailure;
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    const all = [...this.processes.values()];
    this.processes.clear();
    await Promise.all(all.map((p) => p.stop()));
    releasePorts([...this.ports.values(), ...this.pool]);
  }

  private track(promise: Promise<unknown>): void {
    const settled = promise.catch(() => undefined);
    this.pending.add(settled);
    void settled.finally(() => this.pending.delete(settled));
  }

  private async launch(uid: string, id: string, port: number, role: Role): Promise<void> {
    await this.byPort.get(port)?.exited; // the previous incarnation of this pod must have released the port
    const dir = join(this.dataDir, 'redis', ...id.split('/'));
    // A temporary node starts empty every time: a nodes.conf left by an earlier pod of that name would rejoin it.
    if (role.kind === 'cluster-temporary') rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // No 5 s wait before a diskless full sync (Redis's default): replicas resync at once.
    const base = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir, '--repl-diskless-sync-delay', '0'];
    let args: string[];
    if (role.kind === 'sentinel') {
      await Promise.allSettled([...(this.dataLaunches.get(role.group.statefulSet) ?? [])]);
      const master = (await this.currentMaster(role.group)) ?? this.initialMaster(role.group);
      await this.waitForReplicas(role.group, master);
      const conf = join(dir, 'sentinel.conf');
      // Real milliseconds: Redis runs in real time, unlike the virtual clock.
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'daemonize no',
          `dir ${dir}`,
          `sentinel monitor ${role.group.masterName} 127.0.0.1 ${master} ${role.group.quorum}`,
          `sentinel down-after-milliseconds ${role.group.masterName} ${role.group.downAfterMs}`,
          `sentinel failover-timeout ${role.group.masterName} ${role.group.failoverTimeoutMs}`,
          `sentinel parallel-syncs ${role.group.masterName} 1`,
          ...(this.password(role.group) ? [`sentinel auth-pass ${role.group.masterName} ${this.password(role.group)}`] : []),
          '',
        ].join('\n'),
      );
      args = [conf, '--sentinel'];
      this.sentinelPorts.set(port, role.group.sentinels);
    } else if (role.kind === 'sentinel-data') {
      const master = (await this.currentMaster(role.group)) ?? (role.ordinal === 0 ? port : this.initialMaster(role.group));
      args = [...base, '--replica-announce-ip', '127.0.0.1'];
      const password = this.password(role.group);
      if (password) args.push('--requirepass', password, '--masterauth', password);
      if (master !== port) args.push('--replicaof', '127.0.0.1', String(master));
    } else {
      args = [...base, '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '3000', '--cluster-announce-ip', '127.0.0.1'];
    }
    if (this.cancelled.delete(uid)) return;
    const proc = new RedisProcess(port, args);
    this.processes.set(uid, proc);
    this.byPort.set(port, proc);
    await proc.ready();
    if (role.kind === 'cluster') this.maybeBootstrap(role.spec);
  }

  /** Forms the cluster once, when all its nodes run for the first time. */
  private maybeBootstrap(spec: RedisClusterSpec): void {
    if (this.bootstrapped.has(spec.statefulSet)) return;
    const ports = this.ordinalNames(spec.statefulSet).map((n) => this.ports.get(n)!);
    if (!ports.every((p) => this.isRunning(p))) return;
    this.bootstrapped.add(spec.statefulSet);
    this.track(
      bootstrapCluster(ports, spec.primaries).catch((error: unknown) => {
        this.bootstrapFailure = new Error(`Redis Cluster ${spec.statefulSet} did not form: ${error instanceof Error ? error.message : String(error)}`);
      }),
    );
  }

  /** The password the group's data pods require (from its `authSecret`), as a chart mounts it from the Secret. */
  private password(group: SentinelGroupSpec): string | undefined {
    if (!group.authSecret) return undefined;
    const namespace = group.statefulSet.split('/')[0];
    const password = this.secrets.find((s) => s.namespace === namespace && s.name === group.authSecret)?.stringData.password;
    if (!password) throw new Error(`redis sentinel group ${group.masterName}: no Secret ${namespace}/${group.authSecret} with a "password" in the scenario`);
    return password;
  }

  /** The master's port as the first answering Sentinel reports it. */
  private async currentMaster(group: SentinelGroupSpec): Promise<number | undefined> {
    for (const port of this.sentinelPorts.keys()) {
      if (!this.isSentinelPort(port, group)) continue;
      const answer = await withRedis(port, (c) => c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', group.masterName) as Promise<string[] | null>).catch(() => null);
      if (answer?.[1]) return Number(answer[1]);
    }
    return undefined;
  }

  private isSentinelPort(port: number, group: SentinelGroupSpec): boolean {
    return this.sentinelPorts.get(port) === group.sentinels && this.isRunning(port);
  }

  /**
   * A Sentinel discovers replicas from the master's INFO, which it re-reads only every 10 s: start it once the
   * running replicas are connected, so it knows them from its first INFO.
   */
  private async waitForReplicas(group: SentinelGroupSpec, masterPort: number): Promise<void> {
    const replicas = this.ordinalNames(group.statefulSet)
      .map((n) => this.ports.get(n)!)
      .filter((p) => p !== masterPort && this.isRunning(p)).length;
    // Best effort: a Sentinel that starts without knowing a replica still finds it at its next INFO.
    await pollRedis(async () => {
      const info = await withRedis(masterPort, (c) => c.info('replication'), this.password(group));
      return Number(/connected_slaves:(\d+)/.exec(info)?.[1] ?? -1) >= replicas;
    }, 3000);
  }

  private isRunning(port: number): boolean {
    const proc = this.byPort.get(port);
    return proc !== undefined && [...this.processes.values()].includes(proc);
  }

  private initialMaster(group: SentinelGroupSpec): number {
    return this.ports.get(`${group.statefulSet}-0`)!;
  }

  private portFor(id: string): number {
    let port = this.ports.get(id);
    if (port === undefined) {
      port = this.pool.shift();
      if (port === undefined) throw new Error('no free Redis port left in the sandbox pool');
      this.ports.set(id, port);
      if (this.pool.length < POOL_SIZE / 2) this.track(allocatePorts(POOL_SIZE).then((p) => this.pool.push(...p)));
    }
    return port;
  }

  private ordinalNames(namespacedName: string): string[] {
    return Array.from({ length: this.statefulSetReplicas(namespacedName) }, (_, i) => `${namespacedName}-${i}`);
  }

  private roleOf(pod: PodObject): Role | undefined {
    const labels = pod.metadata.labels ?? {};
    const owner = pod.metadata.ownerReferences?.find((o) => o.controller);
    const ns = pod.metadata.namespace;
    for (const group of this.topology.sentinel) {
      if (owner?.kind === 'StatefulSet' && `${ns}/${owner.name}` === group.statefulSet && labels[PROCEDURE_LABEL] === 'redis-sentinel') {
        return { kind: 'sentinel-data', group, ordinal: Number(pod.metadata.name.slice(owner.name.length + 1)) };
      }
      if (labels.app === 'redis-sentinel' && group.sentinels.startsWith(`${ns}/`)) return { kind: 'sentinel', group };
    }
    for (const spec of this.topology.clusters) {
      if (owner?.kind === 'StatefulSet' && `${ns}/${owner.name}` === spec.statefulSet && labels[PROCEDURE_LABEL] === 'redis-cluster') {
        return { kind: 'cluster', spec };
      }
    }
    if (!owner && labels[PROCEDURE_LABEL] === 'redis-cluster' && labels[TEMPORARY_FOR_LABEL]) return { kind: 'cluster-temporary' };
    return undefined;
  }
}
