/**
 * The simulated EKS cluster: an API server that the unmodified @kubernetes/client-node and kubectl reach through a
 * kubeconfig, controllers on the virtual clock, and real redis-server processes behind the Redis pods.
 *
 * Instances the cloud already runs when the sandbox starts are pre-existing: pass them as `initialInstances`, or
 * report them inside `registerInitial(() => cloud.emitInitial())`. Their Nodes are Ready and their pods Running
 * and Ready from the start. Every other `instance-running` event registers a NotReady Node that turns Ready after
 * the kubelet delay.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccessLog, DEPLOY_DIR, IDENTITIES, type SandboxRole } from '../access.js';
import type { VirtualClock } from '../clock.js';
import type { CloudForCluster, Faults, InstanceInfo, MutationLog } from '../contracts.js';
import { ApiAuthorizer, Rbac } from './api/rbac.js';
import { startApiServer } from './api/server.js';
import { selfSignedCertificate } from './api/tls.js';
import { DisruptionController } from './disruption.js';
import { writeKubeconfig } from './kubeconfig.js';
import { ClusterModel } from './model.js';
import { NodeLifecycle } from './nodes.js';
import type { PodObject } from './objects.js';
import { PodLifecycle, type PodProcesses } from './pods.js';
import { Reconciler } from './reconciler.js';
import { PROCEDURE_LABEL, RedisPods } from './redis/runtime.js';
import type { ClusterScenario } from './scenario.js';
import { Scheduler } from './scheduler.js';
import { seedCluster } from './seed.js';
import { VolumeExpansionController } from './volumes.js';
import { WorkloadControllers } from './workloads.js';

export { loadClusterScenario, parseClusterScenario, type ClusterScenario } from './scenario.js';
export { ClusterModel } from './model.js';
export type * from './objects.js';

export interface StartClusterOptions {
  clock: VirtualClock;
  faults: Faults;
  log: MutationLog;
  cloud: CloudForCluster;
  scenario: ClusterScenario;
  /** For the kubeconfig and the Redis pods' data directories. */
  dataDir: string;
  /** Run real redis-server processes behind the Redis pods (default true). */
  redis?: boolean;
  /** Instances already running when the sandbox starts: Ready from the start. */
  initialInstances?: InstanceInfo[];
  /** Where RBAC grants and denials of deckhand's ServiceAccounts are recorded. */
  access?: AccessLog;
  /** The RBAC the API server enforces; default `shippedRbac()`. */
  rbac?: Rbac;
}

/** The shipped RBAC: what the rendered kustomize base applies (test/deploy checks they are the same). */
export const SHIPPED_RBAC_FILE = join(DEPLOY_DIR, 'kubernetes', 'base', 'rbac.yaml');
/** The example overlay's per-namespace Redis access (its namespace `data` and Secret `redis-auth` are the default scenario's). */
export const EXAMPLE_REDIS_ACCESS_FILE = join(DEPLOY_DIR, 'kubernetes', 'overlays', 'example', 'redis-access.yaml');

/** What the sandbox enforces: the base's RBAC plus the example overlay's Redis access. */
export function shippedRbac(): Rbac {
  return Rbac.fromYaml([SHIPPED_RBAC_FILE, EXAMPLE_REDIS_ACCESS_FILE].map((f) => readFileSync(f, 'utf8')).join('\n---\n'), 'deploy/kubernetes (base RBAC and the example redis-access.yaml)');
}

export interface RunningCluster {
  url: string;
  /** The administrator's kubeconfig (kubectl, tests of the cluster itself). */
  kubeconfigPath: string;
  /** A kubeconfig per identity: deckhand's bot and worker ServiceAccounts, and the administrator. */
  kubeconfigs: Record<SandboxRole, string>;
  model: ClusterModel;
  /**
   * Runs `emit` (typically the cloud's `emitInitial`) treating every instance it reports as already running
   * before the sandbox started; resolves once their pods run (Redis included).
   */
  registerInitial(emit: () => void): Promise<void>;
  /** Loopback port of a Redis pod (namespace/name). */
  redisPort(namespacedName: string): number | undefined;
  /** Resolves when controllers have nothing pending and Redis processes finished starting or stopping. */
  settled(): Promise<void>;
  /** Kills every Redis process and frees the port. */
  stop(): Promise<void>;
}

const noProcesses: PodProcesses = { manages: () => false, start: () => Promise.resolve(), stop: () => undefined };

/**
 * Without redis-server processes nothing answers behind the Redis pods: they run as plain pods, without the
 * procedure label that would send deckhand to talk to a Redis (which it would then rightly refuse to move).
 */
function withoutRedisProcedures(scenario: ClusterScenario): ClusterScenario {
  const plain = structuredClone(scenario);
  for (const w of plain.workloads) delete w.labels[PROCEDURE_LABEL];
  return plain;
}

export async function startCluster(options: StartClusterOptions): Promise<RunningCluster> {
  const opts = options.redis === false ? { ...options, scenario: withoutRedisProcedures(options.scenario) } : options;
  const { clock, scenario } = opts;
  const model = new ClusterModel(clock);
  const replicasOf = (namespacedName: string) =>
    scenario.workloads.find((w) => `${w.namespace}/${w.name}` === namespacedName)?.replicas ?? 0;
  const redis = opts.redis === false ? undefined : new RedisPods(scenario.redis, scenario.secrets, opts.dataDir, replicasOf);
  await redis?.init();
  try {
    return await assemble(opts, model, redis);
  } catch (error) {
    await redis?.stopAll(); // releases the reserved ports of a sandbox that failed to start
    throw error;
  }
}

async function assemble(opts: StartClusterOptions, model: ClusterModel, redis: RedisPods | undefined): Promise<RunningCluster> {
  const { faults, log, cloud, scenario } = opts;
  const settings = scenario.settings;
  const pods = new PodLifecycle(
    model,
    faults,
    { containerStartMs: settings.containerStartSeconds * 1000, startupMs: settings.podStartupSeconds * 1000 },
    redis ?? noProcesses,
    (pod: PodObject, error: unknown) => model.event(pod, 'Warning', 'BackOff', `container failed to start: ${String(error)}`, 'kubelet'),
  );
  const nodes = new NodeLifecycle(model, faults, log, pods, { kubeletReadyMs: settings.kubeletReadySeconds * 1000, kubernetesVersion: settings.kubernetesVersion });
  const workloads = new WorkloadControllers(model, pods);
  const scheduler = new Scheduler(model, pods);
  const disruption = new DisruptionController(model, faults);
  const expansionMode = new Map(scenario.storageClasses.map((sc) => [sc.name, sc.expansion]));
  const volumes = new VolumeExpansionController(model, cloud, (sc) => expansionMode.get(sc) ?? 'online');
  const reconciler = new Reconciler(model, () => {
    nodes.reconcile();
    workloads.reconcile();
    scheduler.schedulePending();
    volumes.reconcile();
    workloads.updateStatuses();
    disruption.updateStatuses();
  });

  seedCluster(model, scenario, cloud);
  let preExisting = false;
  const asPreExisting = (register: () => void) => {
    preExisting = pods.preExisting = true;
    try {
      register();
      reconciler.runNow();
    } finally {
      preExisting = pods.preExisting = false;
    }
  };
  asPreExisting(() => {
    for (const instance of opts.initialInstances ?? []) nodes.register(instance, true);
  });

  const onRunning = (i: InstanceInfo) => nodes.register(i, preExisting);
  const onTerminating = (i: InstanceInfo) => nodes.recordTerminating(i);
  const onTerminated = (i: InstanceInfo) => nodes.remove(i);
  cloud.events.on('instance-running', onRunning);
  cloud.events.on('instance-terminating', onTerminating);
  cloud.events.on('instance-terminated', onTerminated);

  const authorizer = new ApiAuthorizer(opts.rbac ?? shippedRbac(), opts.access ?? new AccessLog(), log, () => opts.clock.now());
  const tls = selfSignedCertificate(opts.dataDir);
  const api = await startApiServer({ clock: opts.clock, model, pods, disruption, faults, log, kubernetesVersion: settings.kubernetesVersion, authorizer, tls });
  const kubeconfigs = { admin: join(opts.dataDir, 'kubeconfig'), bot: join(opts.dataDir, 'kubeconfig-bot'), worker: join(opts.dataDir, 'kubeconfig-worker') };
  for (const [role, path] of Object.entries(kubeconfigs)) writeKubeconfig(path, api.url, IDENTITIES[role as SandboxRole]);

  const settled = async () => {
    for (let i = 0; i < 10; i++) {
      await reconciler.idle();
      await redis?.settled();
      await new Promise((r) => setImmediate(r));
    }
  };
  await settled();

  return {
    url: api.url,
    kubeconfigPath: kubeconfigs.admin,
    kubeconfigs,
    model,
    registerInitial: async (emit) => {
      asPreExisting(emit);
      await settled();
    },
    redisPort: (id) => redis?.portOf(id),
    settled,
    stop: async () => {
      cloud.events.off('instance-running', onRunning);
      cloud.events.off('instance-terminating', onTerminating);
      cloud.events.off('instance-terminated', onTerminated);
      reconciler.stop();
      nodes.stop();
      pods.stopAll();
      volumes.stop();
      await api.stop();
      await redis?.stopAll();
    },
  };
}
