import { PatchStrategy, setHeaderOptions, StorageV1Api } from '@kubernetes/client-node';
import { loadClusterScenario } from '../../src/cluster/index.js';
import { DEFAULT_VOLUMES, instances, startStubCluster } from './k8s-stub-cloud.js';

const DEFAULT = loadClusterScenario(new URL('../../src/scenarios/default', import.meta.url).pathname);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

async function start() {
  // The default scenario without real Redis: volume behaviour does not depend on it.
  const env = await startStubCluster({ scenario: DEFAULT, volumes: DEFAULT_VOLUMES, instances: instances('eks-prod-workers', 'abcabc'), redis: false });
  return { ...env, storage: env.kubeConfig.makeApiClient(StorageV1Api) };
}

async function failure(promise: Promise<unknown>): Promise<{ code: number; message: string; reason: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code: number; body: string };
    return { code: e.code, ...(JSON.parse(e.body) as { message: string; reason: string }) };
  }
  throw new Error('expected the call to fail');
}

describe('sandbox PVC expansion (EBS CSI resizer model)', () => {
  let env: Awaited<ReturnType<typeof start>>;
  beforeEach(async () => {
    env = await start();
  });
  afterEach(async () => {
    await env.stop();
  });

  const grow = (namespace: string, name: string, storage: string) =>
    env.core.patchNamespacedPersistentVolumeClaim({ namespace, name, body: { spec: { resources: { requests: { storage } } } } }, mergePatch);
  const conditions = async (namespace: string, name: string) =>
    ((await env.core.readNamespacedPersistentVolumeClaim({ namespace, name })).status?.conditions ?? []).map((c) => c.type);
  const reasons = async (namespace: string, name: string) =>
    (await env.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` })).items.map((e) => e.reason);

  it('serves storage classes, bound PV/PVC pairs with EBS handles, and namespaces', async () => {
    const classes = (await env.storage.listStorageClass()).items;
    expect(classes.map((c) => [c.metadata?.name, c.provisioner, c.allowVolumeExpansion ?? false])).toEqual([
      ['gp2', 'kubernetes.io/aws-ebs', true],
      ['gp3', 'ebs.csi.aws.com', true],
      ['st1-fixed', 'ebs.csi.aws.com', false],
    ]);
    const pvc = await env.core.readNamespacedPersistentVolumeClaim({ namespace: 'logs', name: 'archive' });
    const pv = await env.core.readPersistentVolume({ name: pvc.spec!.volumeName! });
    expect(pv.spec?.csi?.volumeHandle).toBe('vol-0000000000000a007');
    expect(pv.spec?.claimRef).toMatchObject({ namespace: 'logs', name: 'archive' });
    expect(pv.metadata?.labels?.['topology.kubernetes.io/zone']).toBe('us-east-1c');
    expect((await env.core.listPersistentVolumeClaimForAllNamespaces()).items).toHaveLength(7);
    // The pod using the claim runs in the volume's zone.
    const archiver = (await env.core.listNamespacedPod({ namespace: 'logs', labelSelector: 'app=log-archiver' })).items[0]!;
    expect(archiver.spec?.volumes?.[0]?.persistentVolumeClaim?.claimName).toBe('archive');
    expect((await env.core.readNode({ name: archiver.spec!.nodeName! })).metadata?.labels?.['topology.kubernetes.io/zone']).toBe('us-east-1c');
    expect((await env.core.listNamespace()).items.map((n) => n.metadata?.name)).toEqual(expect.arrayContaining(['data', 'search', 'logs', 'web']));
  });

  it('expands a gp3 claim online: ModifyVolume, PV grows, filesystem grown while the pod runs', async () => {
    await grow('search', 'data-es-0', '80Gi');
    expect(env.cloud.modifications).toEqual([{ volumeId: 'vol-0000000000000a004', sizeGiB: 80 }]);
    await env.cluster.settled();
    expect(await conditions('search', 'data-es-0')).toEqual(['FileSystemResizePending']);
    const pvc = await env.core.readNamespacedPersistentVolumeClaim({ namespace: 'search', name: 'data-es-0' });
    expect(pvc.status?.capacity?.storage).toBe('50Gi');
    expect((await env.core.readPersistentVolume({ name: pvc.spec!.volumeName! })).spec?.capacity?.storage).toBe('80Gi');

    await env.clock.advance(3000);
    const done = await env.core.readNamespacedPersistentVolumeClaim({ namespace: 'search', name: 'data-es-0' });
    expect(done.status?.capacity?.storage).toBe('80Gi');
    expect(done.status?.conditions ?? []).toEqual([]);
    expect(await reasons('search', 'data-es-0')).toEqual(['ExternalExpanding', 'Resizing', 'FileSystemResizeRequired', 'FileSystemResizeSuccessful']);
    expect(env.log.find({ action: 'patch-persistentvolumeclaim', target: 'search/data-es-0' })[0]!.details.storage).toBe('80Gi');
  });

  it('keeps an offline (gp2) claim in FileSystemResizePending until its pod restarts', async () => {
    await grow('data', 'pgdata-postgres-0', '40Gi');
    await env.clock.advance(60_000);
    expect(await conditions('data', 'pgdata-postgres-0')).toEqual(['FileSystemResizePending']);
    expect((await env.core.readNamespacedPersistentVolumeClaim({ namespace: 'data', name: 'pgdata-postgres-0' })).status?.capacity?.storage).toBe('20Gi');

    await env.core.deleteNamespacedPod({ namespace: 'data', name: 'postgres-0' });
    await env.clock.advance(70_000); // 60 s grace, then the pod comes back and the kubelet grows the filesystem
    const pvc = await env.core.readNamespacedPersistentVolumeClaim({ namespace: 'data', name: 'pgdata-postgres-0' });
    expect(pvc.status?.capacity?.storage).toBe('40Gi');
    expect(pvc.status?.conditions ?? []).toEqual([]);
  });

  it('surfaces an EBS failure as a VolumeResizeFailed event and keeps the old size', async () => {
    env.cloud.failNext('vol-0000000000000a001', 'VolumeModificationRateExceeded', "You've reached the maximum modification rate per volume limit. Wait at least 6 hours between modifications per EBS volume.");
    await grow('data', 'redis-data-redis-ha-0', '20Gi');
    await env.clock.advance(10_000);
    const events = (await env.core.listNamespacedEvent({ namespace: 'data', fieldSelector: 'involvedObject.name=redis-data-redis-ha-0' })).items;
    const failed = events.find((e) => e.reason === 'VolumeResizeFailed');
    expect(failed?.type).toBe('Warning');
    expect(failed?.message).toContain('VolumeModificationRateExceeded');
    const pvc = await env.core.readNamespacedPersistentVolumeClaim({ namespace: 'data', name: 'redis-data-redis-ha-0' });
    expect(pvc.status?.capacity?.storage).toBe('10Gi');
    expect(pvc.status?.conditions?.map((c) => c.type)).toEqual(['ControllerResizeError']);
    expect(env.cloud.volume('vol-0000000000000a001')?.sizeGiB).toBe(10);
  });

  it('refuses to shrink (422) and to grow a class without allowVolumeExpansion (403)', async () => {
    const shrink = await failure(grow('search', 'data-es-1', '40Gi'));
    expect(shrink).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(shrink.message).toContain('spec.resources.requests.storage: Forbidden: field can not be less than previous value');
    const fixed = await failure(grow('logs', 'archive', '600Gi'));
    expect(fixed).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect(env.cloud.modifications).toEqual([]);
    expect(env.log.find({ action: 'patch-persistentvolumeclaim' })).toEqual([]);
  });
});
