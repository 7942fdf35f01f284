/**
 * Read-only observation for a rollout: the group, its recent launches, the target version, its nodes and the pods
 * on them, PDBs, controllers, and the Redis role of every pod with a typed procedure. No mutation here.
 */
import { createHash } from 'node:crypto';
import { UserFacingError } from '../../errors.js';
import type { Clients } from '../../integrations/clients.js';
import { activeInstanceRefresh, describeGroup, recentLaunches, type GroupView } from '../../integrations/aws/auto-scaling.js';
import { describeImage, listTemplateVersions } from '../../integrations/aws/launch-templates.js';
import { productId } from '../../integrations/aws/pricing.js';
import type { PriceCache } from '../../integrations/redis/price-cache.js';
import type { Logger } from '../../logger.js';
import { listNodes } from '../../integrations/kubernetes/nodes.js';
import { listPdbs, listPods, listWorkloads, topController, type PodView } from '../../integrations/kubernetes/pods.js';
import { readRole } from '../../integrations/redis-procedures/cluster.js';
import { RECENT_LAUNCHES } from './estimate.js';
import { apiServerIsLocal, explainRedisError, reachPod } from './redis-address.js';
import type { InstancePrices, ObservedPod, RedisProcedure, RedisRole, ResolvedTarget, RolloutArgs, RolloutObserved } from './types.js';

export const PROCEDURE_LABEL = 'deckhand.dev/procedure';

type TargetResult = { target: ResolvedTarget } | { error: string };

async function resolveTarget(clients: Clients, group: GroupView, to: string | undefined): Promise<TargetResult> {
  const lt = group.launchTemplate;
  if (!lt) return { error: `${group.name} uses no launch template (launch configurations are not supported); move it to a launch template first` };
  const versions = await listTemplateVersions(clients.ec2, lt.id);
  const numbered = (v: string) =>
    v === '$Latest' ? versions.at(-1) : v === '$Default' ? versions.find((x) => x.isDefault) : versions.find((x) => x.version === v);
  const groupVersion = numbered(lt.version);
  if (!groupVersion) return { error: `version ${lt.version} of ${lt.id} does not exist` };
  let chosen = groupVersion;
  if (to?.startsWith('ami-')) {
    const image = await describeImage(clients.ec2, to);
    if (!image) return { error: `EC2 does not know ${to}` };
    if (image.state !== 'available') return { error: `${to} is ${image.state}, not available` };
    const match = [...versions].reverse().find((v) => v.imageId === to);
    if (!match) return { error: `no version of ${lt.id} uses ${to}; create a launch template version with it, then run again with --to <version>` };
    chosen = match;
  } else if (to !== undefined) {
    const match = numbered(to);
    if (!match) return { error: `${lt.id} has no version ${to} (versions: ${versions.map((v) => v.version).join(', ')})` };
    chosen = match;
  }
  if (!chosen.imageId) return { error: `version ${chosen.version} of ${lt.id} names no AMI` };
  return {
    target: { launchTemplateId: lt.id, version: chosen.version, imageId: chosen.imageId, groupVersion: groupVersion.version, ...(chosen.instanceType ? { instanceType: chosen.instanceType } : {}) },
  };
}

function procedureOf(pod: PodView): RedisProcedure | undefined {
  const label = pod.labels[PROCEDURE_LABEL];
  return label === 'redis-sentinel' || label === 'redis-cluster' ? label : undefined;
}

/** The pod's Redis role as the bot can read it (no Secrets), or 'unknown' and why. */
async function probeRole(pod: PodView, localOnly: boolean): Promise<{ redisRole: RedisRole; redisProblem?: string }> {
  const reach = await reachPod(pod, 'redis', localOnly);
  if ('unreachable' in reach) return { redisRole: 'unknown', redisProblem: reach.unreachable };
  try {
    const role = await readRole(reach.address);
    return role.role === 'sentinel' ? { redisRole: 'unknown', redisProblem: 'answers as a Sentinel' } : { redisRole: role.role };
  } catch (error) {
    return { redisRole: 'unknown', redisProblem: explainRedisError(error) };
  }
}

/**
 * On-demand prices of the group's instance types and the target's, when the target launches another type.
 * Prices are decoration: a Price List failure leaves the cost change unknown rather than blocking the rollout.
 */
async function instancePrices(clients: Clients, prices: PriceCache, group: GroupView, target: ResolvedTarget | undefined, log?: Logger): Promise<InstancePrices | undefined> {
  const types = new Set(group.instances.flatMap((i) => (i.instanceType ? [i.instanceType] : [])));
  if (!target?.instanceType || [...types].every((t) => t === target.instanceType)) return undefined;
  const region = await clients.ec2.config.region();
  const keys = [...types, target.instanceType].map((instanceType) => ({ kind: 'instance' as const, region, instanceType }));
  try {
    const found = await prices.prices(keys);
    return { region, hourly: Object.fromEntries(keys.flatMap((k) => { const usd = found.get(productId(k))?.tiers[0]?.usd; return usd === undefined ? [] : [[k.instanceType, usd]]; })) };
  } catch (error) {
    log?.warn({ err: error, region }, 'instance price lookup failed');
    return { region, hourly: {}, unavailable: `the Price List could not be read: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** `prices` (the kind passes its Redis price cache) adds the instance prices a type-changing rollout needs. */
export async function observeRollout(clients: Clients, args: RolloutArgs, prices?: PriceCache, log?: Logger): Promise<RolloutObserved> {
  const group = await describeGroup(clients.autoScaling, args.group);
  if (!group) throw new UserFacingError(`no Auto Scaling group named ${args.group}`);
  const [refresh, launches, target, nodes, pods, pdbs, { workloads, replicaSetOwners }] = await Promise.all([
    activeInstanceRefresh(clients.autoScaling, group.name),
    recentLaunches(clients.autoScaling, group.name, RECENT_LAUNCHES),
    resolveTarget(clients, group, args.to),
    listNodes(clients.kube),
    listPods(clients.kube),
    listPdbs(clients.kube),
    listWorkloads(clients.kube),
  ]);
  const localOnly = apiServerIsLocal(clients.kube);
  const groupInstances = new Set(group.instances.map((i) => i.instanceId));
  const groupNodes = nodes.filter((n) => n.instanceId && groupInstances.has(n.instanceId));
  const groupNodeNames = new Set(groupNodes.map((n) => n.name));
  const podsOnGroup = pods.filter((p) => p.nodeName && groupNodeNames.has(p.nodeName));
  const observedPods: ObservedPod[] = await Promise.all(
    podsOnGroup.map(async (p) => {
      const procedure = procedureOf(p);
      return {
        namespace: p.namespace,
        name: p.name,
        nodeName: p.nodeName,
        phase: p.phase,
        ready: p.ready,
        labels: p.labels,
        annotations: p.annotations,
        controller: topController(p, replicaSetOwners),
        hasEmptyDir: p.hasEmptyDir,
        graceSeconds: p.graceSeconds,
        startedAt: p.startedAt,
        readySince: p.readySince,
        procedure,
        ...(procedure ? await probeRole(p, localOnly) : {}),
      };
    }),
  );
  const resolved = 'target' in target ? target.target : undefined;
  const priced = prices ? await instancePrices(clients, prices, group, resolved, log) : undefined;
  return {
    group,
    ...(resolved ? { target: resolved } : { targetError: (target as { error: string }).error }),
    ...(priced ? { instancePrices: priced } : {}),
    activeInstanceRefresh: refresh,
    nodes: groupNodes,
    pods: observedPods,
    pdbs,
    workloads: workloads.map(({ observed: _observed, ...w }) => w),
    launches,
  };
}

/** What approval re-checks: the group's shape and instances, the target, and which pods sit on which node. */
export function fingerprintRollout(observed: RolloutObserved): string {
  const g = observed.group;
  const digest = {
    group: [g.name, g.minSize, g.maxSize, g.desiredCapacity, g.launchTemplate, g.tags['deckhand:rollout-lock'] ?? ''],
    instances: g.instances.map((i) => [i.instanceId, i.lifecycleState, i.launchTemplateId, i.launchTemplateVersion]).sort(),
    target: observed.target ?? observed.targetError,
    refresh: observed.activeInstanceRefresh ?? '',
    nodes: observed.nodes.map((n) => [n.name, n.instanceId]).sort(),
    // controllers, not pod names: a restarted pod of the same Deployment does not change what the plan does
    pods: observed.pods.map((p) => `${p.controller ? `${p.controller.kind}/${p.controller.namespace}/${p.controller.name}` : `${p.namespace}/${p.name}`}@${p.nodeName}`).sort(),
  };
  return createHash('sha256').update(JSON.stringify(digest)).digest('hex').slice(0, 32);
}
