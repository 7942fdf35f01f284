import { type V1Pod } from '@kubernetes/client-node';
import { loadClusterScenario } from '../../src/cluster/index.js';
import { instance, instances, startStubCluster, type StubClusterEnv } from './k8s-stub-cloud.js';

const MINIMAL = loadClusterScenario(new URL('../../src/scenarios/minimal', import.meta.url).pathname);

const start = () =>
  startStubCluster({
    scenario: MINIMAL,
    volumes: [{ volumeId: 'vol-0000000000000b001', sizeGiB: 10, volumeType: 'gp3', availabilityZone: 'us-east-1a' }],
    instances: instances('eks-min-workers', 'abc'),
    redis: false,
  });

const ready = (pod: V1Pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe('sandbox cluster controllers on the virtual clock', () => {
  let env: StubClusterEnv;
  beforeEach(async () => {
    env = await start();
  });
  afterEach(async () => {
    await env.stop();
  });

  it('registers a booted instance as a NotReady node that turns Ready after the kubelet delay, with a DaemonSet pod', async () => {
    const booted = instance(4, 'us-east-1a', 'eks-min-workers', 'ami-0new00000000000002');
    env.cloud.events.emit('instance-running', booted);
    await env.cluster.settled();
    let node = await env.core.readNode({ name: booted.privateDnsName });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    expect(node.spec?.taints?.map((t) => t.key)).toEqual(['node.kubernetes.io/not-ready']);

    await env.clock.advance(15_000);
    node = await env.core.readNode({ name: booted.privateDnsName });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node.spec?.taints ?? []).toEqual([]);
    const onNode = await env.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${booted.privateDnsName}` });
    expect(onNode.items.map((p) => p.metadata?.ownerReferences?.[0]?.kind)).toEqual(['DaemonSet']);
  });

  it('never turns a node Ready when its image is faulty', async () => {
    env.faults.neverReadyImages.add('ami-0bad00000000000003');
    const booted = instance(5, 'us-east-1b', 'eks-min-workers', 'ami-0bad00000000000003');
    env.cloud.events.emit('instance-running', booted);
    await env.clock.advance(120_000);
    const node = await env.core.readNode({ name: booted.privateDnsName });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
  });

  it('logs the pods still on a terminated node, removes the node, and reschedules its pods elsewhere', async () => {
    const victim = env.instances[1]!;
    const before = (await env.core.listNamespacedPod({ namespace: 'web' })).items.filter((p) => p.spec?.nodeName === victim.privateDnsName);
    expect(before.length).toBeGreaterThan(0);

    env.cloud.events.emit('instance-terminating', victim);
    env.cloud.events.emit('instance-terminated', victim);
    await env.cluster.settled();

    const entry = env.log.find({ action: 'node-terminating', target: victim.privateDnsName })[0]!;
    expect(entry.details.pods).toEqual(expect.arrayContaining(before.map((p) => `web/${p.metadata!.name}`)));
    expect((entry.details.pods as string[]).some((p) => p.startsWith('kube-system/kube-proxy'))).toBe(false);
    expect((await env.core.listNode()).items.map((n) => n.metadata?.name)).not.toContain(victim.privateDnsName);

    const api = (await env.core.listNamespacedPod({ namespace: 'web', labelSelector: 'app=api' })).items;
    expect(api).toHaveLength(3);
    expect(api.every((p) => p.spec?.nodeName && p.spec.nodeName !== victim.privateDnsName)).toBe(true);
    expect(api.filter(ready)).toHaveLength(3 - before.length);
    await env.clock.advance(11_000);
    expect((await env.core.listNamespacedPod({ namespace: 'web', labelSelector: 'app=api' })).items.filter(ready)).toHaveLength(3);
  });

  it('keeps a drained node empty: taint NoSchedule, evict, the replacement lands on another node', async () => {
    const nodeName = env.instances[0]!.privateDnsName;
    await env.core.patchNode({ name: nodeName, body: [{ op: 'add', path: '/spec/taints', value: [{ key: 'deckhand.dev/rollout', effect: 'NoSchedule' }] }] });
    const onNode = (await env.core.listNamespacedPod({ namespace: 'web' })).items.filter((p) => p.spec?.nodeName === nodeName);
    for (const pod of onNode) {
      await env.core.createNamespacedPodEviction({ namespace: 'web', name: pod.metadata!.name!, body: { metadata: { name: pod.metadata!.name! } } });
    }
    await env.clock.advance(31_000);
    const left = (await env.core.listNamespacedPod({ namespace: 'web', fieldSelector: `spec.nodeName=${nodeName}` })).items;
    expect(onNode.length).toBeGreaterThan(0);
    expect(left).toEqual([]);
    expect((await env.core.listNamespacedPod({ namespace: 'web', labelSelector: 'app=api' })).items.filter(ready)).toHaveLength(3);
  });

  it('recreates a StatefulSet pod under the same name only after the old one is gone', async () => {
    await env.core.deleteNamespacedPod({ namespace: 'default', name: 'db-0' });
    await env.clock.advance(10_000);
    expect((await env.core.readNamespacedPod({ namespace: 'default', name: 'db-0' })).metadata?.deletionTimestamp).toBeDefined();
    await env.clock.advance(21_000);
    const recreated = await env.core.readNamespacedPod({ namespace: 'default', name: 'db-0' });
    expect(recreated.metadata?.deletionTimestamp).toBeUndefined();
    // Its gp3 volume lives in us-east-1a, so it must run there.
    expect(recreated.spec?.nodeName).toBe(env.instances[0]!.privateDnsName);
    expect(env.log.find({ action: 'delete-pod', target: 'default/db-0' })).toHaveLength(1);
  });

  it('never finishes terminating a stuck pod', async () => {
    const pod = (await env.core.listNamespacedPod({ namespace: 'web' })).items[0]!.metadata!.name!;
    env.faults.stuckPods.add(`web/${pod}`);
    await env.core.deleteNamespacedPod({ namespace: 'web', name: pod });
    await env.clock.advance(600_000);
    expect((await env.core.readNamespacedPod({ namespace: 'web', name: pod })).metadata?.deletionTimestamp).toBeDefined();
  });
});
