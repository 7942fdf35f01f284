import { AppsV1Api, PatchStrategy, PolicyV1Api, setHeaderOptions } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadClusterScenario, parseClusterScenario, type ClusterScenario } from '../../src/cluster/index.js';
import { instances, startStubCluster } from './k8s-stub-cloud.js';
import { getUnverified } from '../../../test/helpers/unverified-tls.js';
import { IDENTITIES } from '../../src/access.js';

const MINIMAL = loadClusterScenario(new URL('../../src/scenarios/minimal', import.meta.url).pathname);

async function start(scenario: ClusterScenario = MINIMAL) {
  const env = await startStubCluster({
    scenario,
    volumes: [{ volumeId: 'vol-0000000000000b001', sizeGiB: 10, volumeType: 'gp3', availabilityZone: 'us-east-1a' }],
    instances: instances('eks-min-workers', 'abc'),
    redis: false,
  });
  return { ...env, policy: env.kubeConfig.makeApiClient(PolicyV1Api), apps: env.kubeConfig.makeApiClient(AppsV1Api) };
}

type Env = Awaited<ReturnType<typeof start>>;

async function apiError(promise: Promise<unknown>): Promise<{ code: number; body: { reason?: string; message?: string; details?: { causes?: { message: string }[] } } }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code: number; body: string };
    return { code: e.code, body: JSON.parse(e.body) };
  }
  throw new Error('expected the call to fail');
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('sandbox Kubernetes API with the real client-node', () => {
  let env: Env;
  beforeEach(async () => {
    env = await start();
  });
  afterEach(async () => {
    await env.stop();
  });

  it('lists Ready nodes by label and filters pods by node with a field selector', async () => {
    const nodes = await env.core.listNode({ labelSelector: 'eks.amazonaws.com/nodegroup=eks-min-workers' });
    expect(nodes.items.map((n) => n.metadata?.name).sort()).toEqual(env.instances.map((i) => i.privateDnsName).sort());
    for (const node of nodes.items) {
      expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(node.spec?.providerID).toMatch(/^aws:\/\/\/us-east-1[abc]\/i-0/);
      expect(node.status?.allocatable?.cpu).toBe('1930m');
    }
    expect((await env.core.listNode({ labelSelector: 'eks.amazonaws.com/nodegroup=other' })).items).toHaveLength(0);

    const nodeName = env.instances[0]!.privateDnsName;
    const onNode = await env.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}` });
    expect(onNode.items.length).toBeGreaterThan(0);
    expect(onNode.items.every((p) => p.spec?.nodeName === nodeName)).toBe(true);
    const api = await env.core.listNamespacedPod({ namespace: 'web', labelSelector: 'app=api' });
    expect(api.items).toHaveLength(3);
    expect(api.items.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))).toBe(true);
    expect(api.items[0]!.metadata?.ownerReferences?.[0]?.kind).toBe('ReplicaSet');
  });

  it('merge-patches taints, labels and unschedulable, and records the patch', async () => {
    const name = env.instances[0]!.privateDnsName;
    await env.core.patchNode(
      { name, body: { metadata: { labels: { 'deckhand.dev/rollout': 'old' } }, spec: { taints: [{ key: 'deckhand.dev/rollout', value: 'draining', effect: 'NoSchedule' }] } } },
      mergePatch,
    );
    let node = await env.core.readNode({ name });
    expect(node.spec?.taints).toEqual([{ key: 'deckhand.dev/rollout', value: 'draining', effect: 'NoSchedule' }]);
    expect(node.metadata?.labels?.['deckhand.dev/rollout']).toBe('old');
    expect(node.metadata?.labels?.['eks.amazonaws.com/nodegroup']).toBe('eks-min-workers');

    // client-node's default content type is JSON Patch.
    await env.core.patchNode({ name, body: [{ op: 'add', path: '/spec/unschedulable', value: true }, { op: 'remove', path: '/metadata/labels/deckhand.dev~1rollout' }] });
    await env.cluster.settled();
    node = await env.core.readNode({ name });
    expect(node.spec?.unschedulable).toBe(true);
    // The node lifecycle controller mirrors a cordon as a taint, like the real one.
    expect(node.spec?.taints?.map((t) => t.key)).toEqual(['deckhand.dev/rollout', 'node.kubernetes.io/unschedulable']);
    expect(node.metadata?.labels?.['deckhand.dev/rollout']).toBeUndefined();

    const patches = env.log.find({ service: 'kubernetes', action: 'patch-node', target: name });
    expect(patches).toHaveLength(2);
    expect(patches[0]!.details.taints).toEqual([{ key: 'deckhand.dev/rollout', value: 'draining', effect: 'NoSchedule' }]);
    expect(patches[1]!.details.unschedulable).toBe(true);
  });

  it('evicts within the PDB (201), refuses with 429 naming the budget, and allows again once the replacement is Ready', async () => {
    const pods = (await env.core.listNamespacedPod({ namespace: 'web', labelSelector: 'app=api' })).items;
    const [first, second] = pods.map((p) => p.metadata!.name!);
    expect((await env.policy.readNamespacedPodDisruptionBudget({ namespace: 'web', name: 'api' })).status?.disruptionsAllowed).toBe(1);

    await env.core.createNamespacedPodEviction({ namespace: 'web', name: first!, body: { metadata: { name: first, namespace: 'web' } } });
    const evicted = await env.core.readNamespacedPod({ namespace: 'web', name: first! });
    expect(evicted.metadata?.deletionTimestamp).toBeDefined();
    expect((await env.policy.readNamespacedPodDisruptionBudget({ namespace: 'web', name: 'api' })).status?.disruptionsAllowed).toBe(0);

    const refused = await apiError(env.core.createNamespacedPodEviction({ namespace: 'web', name: second!, body: { metadata: { name: second, namespace: 'web' } } }));
    expect(refused.code).toBe(429);
    expect(refused.body.reason).toBe('TooManyRequests');
    expect(refused.body.message).toBe("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(refused.body.details?.causes?.[0]?.message).toBe('The disruption budget api needs 2 healthy pods and has 2 currently');

    const decisions = env.log.find({ action: 'evict-pod' }).map((e) => [e.target, e.details.allowed, e.details.disruptionsAllowed]);
    expect(decisions).toEqual([
      [`web/${first}`, true, 1],
      [`web/${second}`, false, 0],
    ]);

    // The ReplicaSet replaced the evicted pod at once; it is Ready after the 10 s startup delay.
    await env.clock.advance(5000);
    expect((await env.policy.readNamespacedPodDisruptionBudget({ namespace: 'web', name: 'api' })).status?.disruptionsAllowed).toBe(0);
    await env.clock.advance(6000);
    await env.cluster.settled();
    expect((await env.policy.readNamespacedPodDisruptionBudget({ namespace: 'web', name: 'api' })).status?.disruptionsAllowed).toBe(1);
    await env.core.createNamespacedPodEviction({ namespace: 'web', name: second!, body: { metadata: { name: second, namespace: 'web' } } });

    // After the 30 s grace period the first pod is gone.
    await env.clock.advance(30_000);
    await expect(apiError(env.core.readNamespacedPod({ namespace: 'web', name: first! }))).resolves.toMatchObject({ code: 404, body: { reason: 'NotFound' } });
  });

  it('lets a running but unready pod go while the budget is met, without consuming it (IfHealthyBudget)', async () => {
    const [first] = (await env.core.listNamespacedPod({ namespace: 'web', labelSelector: 'app=api' })).items.map((p) => p.metadata!.name!);
    await env.core.createNamespacedPodEviction({ namespace: 'web', name: first!, body: { metadata: { name: first } } });
    await env.clock.advance(2000); // the replacement runs but is not Ready yet
    const replacement = (await env.core.listNamespacedPod({ namespace: 'web', labelSelector: 'app=api' })).items.find(
      (p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running' && !p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    )!;
    await env.core.createNamespacedPodEviction({ namespace: 'web', name: replacement.metadata!.name!, body: { metadata: { name: replacement.metadata!.name! } } });
    expect(env.log.find({ action: 'evict-pod' }).map((e) => e.details.allowed)).toEqual([true, true]);
    expect((await env.policy.readNamespacedPodDisruptionBudget({ namespace: 'web', name: 'api' })).status).toMatchObject({ currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0 });
  });

  it('answers 500 when two PDBs select the pod', async () => {
    await env.stop();
    const scenario = parseClusterScenario({
      ...MINIMAL,
      podDisruptionBudgets: [...MINIMAL.podDisruptionBudgets, { namespace: 'web', name: 'api-too', matchLabels: { app: 'api' }, minAvailable: 1 }],
    });
    env = await start(scenario);
    const pod = (await env.core.listNamespacedPod({ namespace: 'web', labelSelector: 'app=api' })).items[0]!.metadata!.name!;
    const refused = await apiError(env.core.createNamespacedPodEviction({ namespace: 'web', name: pod, body: { metadata: { name: pod, namespace: 'web' } } }));
    expect(refused.code).toBe(500);
    expect(refused.body.message).toContain('more than one PodDisruptionBudget');
    expect(env.log.find({ action: 'evict-pod' })[0]!.details).toMatchObject({ allowed: false, code: 500, pdbs: ['api', 'api-too'] });
  });

  it('a PDB selecting with matchExpressions covers its pods: a second one makes the eviction answer 500', async () => {
    await env.stop();
    const scenario = parseClusterScenario({
      ...MINIMAL,
      podDisruptionBudgets: [...MINIMAL.podDisruptionBudgets, { namespace: 'web', name: 'api-expr', matchLabels: {}, matchExpressions: [{ key: 'app', operator: 'In', values: ['api'] }], minAvailable: 1 }],
    });
    env = await start(scenario);
    await env.cluster.settled();
    expect((await env.policy.readNamespacedPodDisruptionBudget({ namespace: 'web', name: 'api-expr' })).status?.expectedPods).toBeGreaterThan(0);
    const pod = (await env.core.listNamespacedPod({ namespace: 'web', labelSelector: 'app=api' })).items[0]!.metadata!.name!;
    const refused = await apiError(env.core.createNamespacedPodEviction({ namespace: 'web', name: pod, body: { metadata: { name: pod, namespace: 'web' } } }));
    expect(refused.code).toBe(500);
  });

  it('refuses every eviction under a PDB pinned by the blockingPdbs fault', async () => {
    env.faults.blockingPdbs.add('web/api');
    await env.cluster.settled();
    expect((await env.policy.readNamespacedPodDisruptionBudget({ namespace: 'web', name: 'api' })).status?.disruptionsAllowed).toBe(0);
    const pod = (await env.core.listNamespacedPod({ namespace: 'web', labelSelector: 'app=api' })).items[0]!.metadata!.name!;
    const refused = await apiError(env.core.createNamespacedPodEviction({ namespace: 'web', name: pod, body: { metadata: { name: pod, namespace: 'web' } } }));
    expect(refused.code).toBe(429);
  });

  it('scales a Deployment through the scale subresource and back, with live status', async () => {
    await env.apps.patchNamespacedDeploymentScale({ namespace: 'web', name: 'api', body: { spec: { replicas: 0 } } }, mergePatch);
    await env.clock.advance(31_000);
    let deployment = await env.apps.readNamespacedDeployment({ namespace: 'web', name: 'api' });
    expect(deployment.spec?.replicas).toBe(0);
    expect(deployment.status?.replicas ?? 0).toBe(0);
    expect((await env.core.listNamespacedPod({ namespace: 'web' })).items).toEqual([]);
    expect(env.log.find({ action: 'patch-deployment', target: 'web/api' })[0]!.details.replicas).toBe(0);

    await env.apps.replaceNamespacedDeploymentScale({ namespace: 'web', name: 'api', body: { metadata: { name: 'api', namespace: 'web' }, spec: { replicas: 3 } } });
    await env.clock.advance(11_000);
    deployment = await env.apps.readNamespacedDeployment({ namespace: 'web', name: 'api' });
    expect(deployment.status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 3 });
    expect((await env.apps.readNamespacedDeploymentScale({ namespace: 'web', name: 'api' })).spec?.replicas).toBe(3);
  });

  it('throttles with 429 Retry-After when the fault is injected', async () => {
    env.faults.services.kubernetes = { throttleRate: 1 };
    const res = await getUnverified(`${env.cluster.url}/api/v1/nodes`, { authorization: `Bearer ${IDENTITIES.admin.kubeToken}` });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
    expect((JSON.parse(res.body) as { reason: string }).reason).toBe('TooManyRequests');
  });

  it('serves kubectl through the kubeconfig', async () => {
    const kubectl = async (...args: string[]) => (await promisify(execFile)('kubectl', ['--kubeconfig', env.cluster.kubeconfigPath, ...args])).stdout;
    expect((await kubectl('get', 'pods', '-n', 'web', '-o', 'name')).trim().split('\n')).toHaveLength(3);
    // Server-side printing: kubectl shows the server's columns.
    const table = (await kubectl('get', 'nodes')).trim().split('\n');
    expect(table[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
    expect(table.slice(1).every((line) => /\sReady\s/.test(line))).toBe(true);
  });
});
