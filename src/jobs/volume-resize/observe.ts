/** Read-only observation: the claim(s), their PV, StorageClass, EBS volume, modifications, pods and EBS prices. */
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { describeVolume, describeVolumeModifications } from '../../integrations/aws/ebs.js';
import { productId, type ProductPrice } from '../../integrations/aws/pricing.js';
import { PriceCache } from '../../integrations/redis/price-cache.js';
import {
  listPodsUsingPvc,
  listPvcsBySelector,
  listStatefulSetPvcs,
  readPv,
  readPvc,
  readStatefulSet,
  readStorageClass,
} from '../../integrations/kubernetes/volumes.js';
import type { KindContext } from '../kind.js';
import { modificationRecordOf } from './modifications.js';
import type { ResizeSettings } from './settings.js';
import type { ObservedClaim, ObservedPod, ObservedStatefulSet, ResizeArgs, ResizeObserved } from './types.js';

/** `vol-0abc`, or the in-tree form `aws://us-east-1a/vol-0abc`. */
export function ebsVolumeIdOf(pv: V1PersistentVolume): string | undefined {
  const handle = pv.spec?.csi?.volumeHandle ?? pv.spec?.awsElasticBlockStore?.volumeID;
  return handle?.split('/').pop() || undefined;
}

function toPod(pod: V1Pod): ObservedPod {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
  return {
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    nodeName: pod.spec?.nodeName,
    controller: owner ? { kind: owner.kind, name: owner.name } : undefined,
  };
}

async function observeClaim(ctx: KindContext<ResizeSettings>, pvc: V1PersistentVolumeClaim): Promise<ObservedClaim> {
  const { kube, ec2 } = ctx.clients;
  const namespace = pvc.metadata?.namespace ?? '';
  const name = pvc.metadata?.name ?? '';
  const storageClassName = pvc.spec?.storageClassName;
  const volumeName = pvc.spec?.volumeName;
  const [storageClass, pv, pods] = await Promise.all([
    storageClassName ? readStorageClass(kube, storageClassName) : undefined,
    volumeName ? readPv(kube, volumeName) : undefined,
    listPodsUsingPvc(kube, namespace, name),
  ]);
  const volumeId = pv ? ebsVolumeIdOf(pv) : undefined;
  const [ebs, modifications, recordedModifications] = volumeId
    ? await Promise.all([
        describeVolume(ec2, volumeId),
        describeVolumeModifications(ec2, volumeId),
        modificationRecordOf(ctx).since(volumeId, ctx.clock.now() - ctx.settings.modificationWindow),
      ])
    : [undefined, [], []];
  return {
    namespace,
    name,
    phase: pvc.status?.phase,
    request: pvc.spec?.resources?.requests?.storage,
    capacity: pvc.status?.capacity?.storage,
    storageClassName,
    storageProvisioner: pvc.metadata?.annotations?.['volume.kubernetes.io/storage-provisioner'],
    conditions: (pvc.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, message: c.message })),
    storageClass: storageClass && {
      name: storageClass.metadata?.name ?? storageClassName ?? '',
      provisioner: storageClass.provisioner,
      allowVolumeExpansion: storageClass.allowVolumeExpansion === true,
    },
    pv: pv && {
      name: pv.metadata?.name ?? '',
      capacity: pv.spec?.capacity?.storage,
      driver: pv.spec?.csi?.driver ?? (pv.spec?.awsElasticBlockStore ? 'kubernetes.io/aws-ebs' : undefined),
      migratedTo: pv.metadata?.annotations?.['pv.kubernetes.io/migrated-to'],
      volumeId,
    },
    ebs,
    modifications,
    recordedModifications,
    pods: pods.map(toPod),
  };
}

async function claimsOf(ctx: KindContext<ResizeSettings>, args: ResizeArgs): Promise<{ claims: V1PersistentVolumeClaim[]; statefulSet?: ObservedStatefulSet }> {
  const { kube } = ctx.clients;
  if (args.target.kind === 'pvc') {
    const pvc = await readPvc(kube, args.namespace, args.target.name);
    return { claims: pvc ? [pvc] : [] };
  }
  if (args.target.kind === 'selector') return { claims: await listPvcsBySelector(kube, args.namespace, args.target.name) };
  const sts = await readStatefulSet(kube, args.namespace, args.target.name);
  if (!sts) return { claims: [] };
  const templates = (sts.spec?.volumeClaimTemplates ?? []).map((t) => ({
    name: t.metadata?.name ?? '',
    storage: t.spec?.resources?.requests?.storage,
  }));
  const statefulSet = { name: args.target.name, replicas: sts.spec?.replicas ?? 1, templates };
  // Several templates are refused by the planner; listing them all is not needed for that.
  const claims = templates.length === 1 ? await listStatefulSetPvcs(kube, args.namespace, args.target.name, templates[0]!.name) : [];
  return { claims, statefulSet };
}

/** Prices are decoration: a Price List failure leaves the price unknown rather than blocking the resize. */
async function pricesFor(ctx: KindContext, volumeTypes: string[], region: string): Promise<Record<string, number | null>> {
  const products = volumeTypes.map((volumeType) => ({ kind: 'storage' as const, region, volumeType }));
  const found = await new PriceCache(ctx.redis, ctx.redisPrefix, ctx.clients.pricing).prices(products).catch((error: unknown) => {
    ctx.log.warn({ err: error, volumeTypes, region }, 'EBS price lookup failed');
    return new Map<string, ProductPrice>();
  });
  return Object.fromEntries(products.map((p) => [p.volumeType, found.get(productId(p))?.tiers[0]?.usd ?? null]));
}

export async function observeResize(ctx: KindContext<ResizeSettings>, args: ResizeArgs): Promise<ResizeObserved> {
  const region = await ctx.clients.ec2.config.region();
  const { claims, statefulSet } = await claimsOf(ctx, args);
  // One claim at a time keeps the API calls paced for large StatefulSets.
  const observedClaims: ObservedClaim[] = [];
  for (const pvc of claims) observedClaims.push(await observeClaim(ctx, pvc));
  const volumeTypes = [...new Set(observedClaims.flatMap((c) => (c.ebs ? [c.ebs.volumeType] : [])))].sort();
  return {
    region,
    namespace: args.namespace,
    target: args.target,
    statefulSet,
    claims: observedClaims,
    prices: await pricesFor(ctx, volumeTypes, region),
  };
}

/** What the plan depends on (prices and pods excluded: they do not make a resize unsafe). */
export function fingerprintInputs(observed: ResizeObserved): unknown {
  return {
    statefulSet: observed.statefulSet,
    claims: observed.claims.map((c) => ({
      name: `${c.namespace}/${c.name}`,
      phase: c.phase,
      request: c.request,
      capacity: c.capacity,
      storageClass: c.storageClass,
      volumeId: c.pv?.volumeId,
      ebsSize: c.ebs?.sizeGiB,
      modifications: c.modifications.map((m) => [m.state, m.startTime, m.targetSizeGiB]),
      recordedModifications: c.recordedModifications.map((r) => r.at),
    })),
  };
}
