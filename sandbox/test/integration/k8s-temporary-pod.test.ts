/**
 * A bare pod created through the API (POST pods): validation, 409 on a name clash, scheduling off tainted nodes
 * by its tolerations, and, for a temporary Redis Cluster pod, a real redis-server that starts as an empty
 * cluster node (it joins nothing) and stops when the pod is deleted. The scenario's Redis Cluster here has 3
 * primaries and no replica (StatefulSet replicas == primaries).
 */
import { ApiException, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { loadClusterScenario } from '../../src/cluster/index.js';
import { instances, startStubCluster, type StubClusterEnv } from './k8s-stub-cloud.js';

const SCENARIO = loadClusterScenario(new URL('../../src/scenarios/default', import.meta.url).pathname);
SCENARIO.workloads.find((w) => w.name === 'redis-cache')!.replicas = 3;

async function redisCall(port: number, ...args: string[]): Promise<string> {
  const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: 500 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return String(await c.call(args[0]!, ...args.slice(1)));
  } finally {
    c.disconnect();
  }
}

const temporaryPod = (name: string): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'redis-cache', 'deckhand.dev/procedure': 'redis-cluster', 'deckhand.dev/temporary-for': 'redis-cache-0' } },
  spec: { containers: [{ name: 'redis', image: 'redis:7.0.15', ports: [{ name: 'redis', containerPort: 6379 }] }], terminationGracePeriodSeconds: 5 },
});

async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 201;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

describe('sandbox: creating and deleting a bare pod', () => {
  let env: StubClusterEnv;

  beforeAll(async () => {
    env = await startStubCluster({ scenario: SCENARIO, instances: instances('eks-prod-workers', 'abcabc') });
  });

  afterAll(async () => {
    await env.stop();
  });

  test('the scenario builds a Redis Cluster of 3 primaries and no replica', async () => {
    const nodes = await redisCall(env.cluster.redisPort('cache/redis-cache-0')!, 'CLUSTER', 'NODES');
    const lines = nodes.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l.split(' ')[2]!.includes('master'))).toBe(true);
    expect(await redisCall(env.cluster.redisPort('cache/redis-cache-0')!, 'CLUSTER', 'INFO')).toContain('cluster_state:ok');
  });

  test('rejects an invalid body and a second pod of the same name', async () => {
    expect(await statusOf(env.core.createNamespacedPod({ namespace: 'cache', body: { metadata: { name: 'no-containers' }, spec: { containers: [] } } }))).toBe(422);
    expect(await statusOf(env.core.createNamespacedPod({ namespace: 'cache', body: { ...temporaryPod('Bad_Name') } }))).toBe(422);
    expect(await statusOf(env.core.createNamespacedPod({ namespace: 'nowhere', body: temporaryPod('x') }))).toBe(404);
    expect(await statusOf(env.core.createNamespacedPod({ namespace: 'cache', body: temporaryPod('redis-cache-0') }))).toBe(409);
    expect(env.log.entries.filter((e) => e.action === 'create-pod')).toEqual([]);
  });

  test('a temporary Redis Cluster pod runs an empty cluster node on its own port, stopped when the pod is deleted', async () => {
    const node = (await env.core.listNode()).items[0]!.metadata!.name!;
    await env.core.patchNode({ name: node, body: { spec: { taints: [{ key: 'deckhand.dev/rollout', value: 'x', effect: 'NoSchedule' }] } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const created = await env.core.createNamespacedPod({ namespace: 'cache', body: temporaryPod('redis-cache-0-deckhand-tmp') });
    expect(created.status?.phase).toBe('Pending');
    expect(env.log.entries.filter((e) => e.action === 'create-pod').map((e) => e.target)).toEqual(['cache/redis-cache-0-deckhand-tmp']);
    await env.clock.advance(12_000);
    await env.cluster.settled();
    const pod = await env.core.readNamespacedPod({ namespace: 'cache', name: 'redis-cache-0-deckhand-tmp' });
    expect(pod.spec?.nodeName).toBeDefined();
    expect(pod.spec?.nodeName).not.toBe(node);
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const port = pod.spec!.containers[0]!.ports!.find((p) => p.name === 'redis')!.containerPort;
    expect(port).toBe(env.cluster.redisPort('cache/redis-cache-0-deckhand-tmp'));
    expect([env.cluster.redisPort('cache/redis-cache-0'), env.cluster.redisPort('cache/redis-cache-1'), env.cluster.redisPort('cache/redis-cache-2')]).not.toContain(port);
    const info = await redisCall(port, 'CLUSTER', 'INFO');
    expect(info).toContain('cluster_known_nodes:1');
    expect(info).toContain('cluster_slots_assigned:0');

    await env.core.deleteNamespacedPod({ namespace: 'cache', name: 'redis-cache-0-deckhand-tmp' });
    await env.cluster.settled();
    await expect(redisCall(port, 'PING')).rejects.toThrow();
    await env.clock.advance(6_000);
    await env.cluster.settled();
    expect(await statusOf(env.core.readNamespacedPod({ namespace: 'cache', name: 'redis-cache-0-deckhand-tmp' }))).toBe(404);
  });
});
