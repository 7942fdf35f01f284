import { type V1Pod } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { loadClusterScenario } from '../../src/cluster/index.js';
import { DEFAULT_VOLUMES, instances, startStubCluster, type StubClusterEnv } from './k8s-stub-cloud.js';

const DEFAULT = loadClusterScenario(new URL('../../src/scenarios/default', import.meta.url).pathname);

/** Redis runs in real time: poll it (real milliseconds) until the check passes. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

function portOf(pod: V1Pod, name: string): number {
  expect(pod.status?.podIP).toBe('127.0.0.1');
  return pod.spec!.containers[0]!.ports!.find((p) => p.name === name)!.containerPort;
}

describe('real Redis behind the sandbox Redis pods', () => {
  const clients: Redis[] = [];
  let env: StubClusterEnv;
  const client = (port: number) => {
    const c = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, lazyConnect: false });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    env = await startStubCluster({ scenario: DEFAULT, volumes: DEFAULT_VOLUMES, instances: instances('eks-prod-workers', 'abcabc') });
  });

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await env.stop();
  });

  it('fails a Sentinel master over, and the moved old master resyncs as a replica of the new one', async () => {
    const ha0 = portOf(await env.core.readNamespacedPod({ namespace: 'data', name: 'redis-ha-0' }), 'redis');
    const ha1 = portOf(await env.core.readNamespacedPod({ namespace: 'data', name: 'redis-ha-1' }), 'redis');
    const sentinels = (await env.core.listNamespacedPod({ namespace: 'data', labelSelector: 'app=redis-sentinel' })).items;
    expect(sentinels).toHaveLength(3);
    const sentinelPort = portOf(sentinels[0]!, 'sentinel');
    const sentinel = client(sentinelPort);
    const masterAddr = async () => (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as [string, string];
    expect(await masterAddr()).toEqual(['127.0.0.1', String(ha0)]);
    await eventually('Sentinel to know the replica', async () => ((await sentinel.call('SENTINEL', 'REPLICAS', 'mymaster')) as unknown[]).length === 1 || undefined);

    const master = client(ha0);
    await master.set('dh-test-key', 'before-failover');
    expect(await master.wait(1, 5000)).toBe(1); // returns once the replica acknowledged the write
    expect(await client(ha1).get('dh-test-key')).toBe('before-failover');

    // The Sentinel that runs the failover announces it on its +switch-master channel.
    const events = client(sentinelPort);
    const switched = new Promise<string>((resolve) => events.on('message', (_channel: string, message: string) => resolve(message)));
    await events.subscribe('+switch-master');
    expect(await sentinel.call('SENTINEL', 'FAILOVER', 'mymaster')).toBe('OK');
    expect(await switched).toBe(`mymaster 127.0.0.1 ${ha0} 127.0.0.1 ${ha1}`);
    expect((await masterAddr())[1]).toBe(String(ha1));
    await eventually('the promoted replica to be master', async () => ((await client(ha1).info('replication')).includes('role:master') ? true : undefined));
    await client(ha1).set('dh-test-key', 'after-failover');

    // Move the old master: delete its pod; the StatefulSet recreates it after the grace period and its
    // process starts as a replica of the master Sentinel reports now.
    await env.core.deleteNamespacedPod({ namespace: 'data', name: 'redis-ha-0' });
    await env.clock.advance(31_000);
    await env.clock.advance(12_000);
    await env.cluster.settled();
    const moved = await env.core.readNamespacedPod({ namespace: 'data', name: 'redis-ha-0' });
    expect(portOf(moved, 'redis')).toBe(ha0);
    expect(moved.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const info = await eventually('the old master to finish its sync', async () => {
      const text = await client(ha0).info('replication');
      return text.includes('master_link_status:up') && text.includes('master_sync_in_progress:0') ? text : undefined;
    });
    expect(info).toContain('role:slave');
    expect(info).toContain(`master_port:${ha1}`);
    expect(await client(ha0).get('dh-test-key')).toBe('after-failover');
  }, 20_000);

  it('runs a Redis Cluster with full slot coverage where CLUSTER FAILOVER on a replica promotes it', async () => {
    const pods = (await env.core.listNamespacedPod({ namespace: 'cache', labelSelector: 'deckhand.dev/procedure=redis-cluster' })).items;
    expect(pods).toHaveLength(6);
    const ports = pods.map((p) => portOf(p, 'redis'));
    const info = await client(ports[0]!).call('CLUSTER', 'INFO');
    expect(String(info)).toContain('cluster_state:ok');
    expect(String(info)).toContain('cluster_slots_assigned:16384');

    const roles = await Promise.all(ports.map(async (p) => ((await client(p).call('ROLE')) as [string])[0]));
    expect(roles.filter((r) => r === 'master')).toHaveLength(3);
    const replicaPort = ports[roles.indexOf('slave')]!;
    expect(await client(replicaPort).call('CLUSTER', 'FAILOVER')).toBe('OK');
    await eventually('the replica to become a primary', async () => (((await client(replicaPort).call('ROLE')) as [string])[0] === 'master' ? true : undefined));
  }, 20_000);

  it('brings a moved Redis Cluster node back with its node id from nodes.conf', async () => {
    const pods = (await env.core.listNamespacedPod({ namespace: 'cache', labelSelector: 'deckhand.dev/procedure=redis-cluster' })).items;
    const roles = await Promise.all(pods.map(async (p) => ((await client(portOf(p, 'redis')).call('ROLE')) as [string])[0]));
    const replica = pods[roles.indexOf('slave')]!;
    const port = portOf(replica, 'redis');
    const id = await client(port).call('CLUSTER', 'MYID');

    await env.core.deleteNamespacedPod({ namespace: 'cache', name: replica.metadata!.name! });
    await env.clock.advance(31_000);
    await env.clock.advance(12_000);
    await env.cluster.settled();
    const fresh = client(port);
    expect(await fresh.call('CLUSTER', 'MYID')).toBe(id);
    await eventually('the node to resync with its primary', async () => {
      const role = (await fresh.call('ROLE')) as [string, string, number, string];
      return role[0] === 'slave' && role[3] === 'connected' ? true : undefined;
    });
    expect(String(await fresh.call('CLUSTER', 'INFO'))).toContain('cluster_state:ok');
  }, 20_000);
});
