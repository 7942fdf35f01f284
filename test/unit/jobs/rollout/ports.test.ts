import { KubeConfig } from '@kubernetes/client-node';
import { instanceIdFromProviderId } from '../../../../src/integrations/kubernetes/nodes.js';
import { topController, type PodView } from '../../../../src/integrations/kubernetes/pods.js';
import { fullyCovered, parseClusterNodes, parseInfo } from '../../../../src/integrations/redis-procedures/cluster.js';
import { replicaInSync } from '../../../../src/integrations/redis-procedures/sentinel.js';
import { forEachLimit } from '../../../../src/jobs/rollout/pool.js';
import { apiServerIsLocal, explainRedisError, podAddress, reachPod, REDIS_AUTH_SECRET_ANNOTATION, REDIS_TLS_ANNOTATION } from '../../../../src/jobs/rollout/redis-address.js';

describe('instanceIdFromProviderId', () => {
  test.each([
    ['aws:///us-east-1a/i-0aa0000000000a001', 'i-0aa0000000000a001'],
    ['aws:///us-east-1a/fargate-ip-10-0-1-1', undefined],
    ['gce://project/zone/name', undefined],
    [undefined, undefined],
  ])('%s -> %s', (providerId, id) => expect(instanceIdFromProviderId(providerId)).toBe(id));
});

describe('topController', () => {
  const pod = (owner?: PodView['owner']): PodView => ({ namespace: 'web', name: 'p', phase: 'Running', ready: true, terminating: false, labels: {}, annotations: {}, owner, hasEmptyDir: false, graceSeconds: 30, ports: {} });
  const owners = new Map([['web/api-5d8f', { kind: 'Deployment', namespace: 'web', name: 'api' }]]);
  test('a ReplicaSet resolves to its Deployment', () => expect(topController(pod({ kind: 'ReplicaSet', namespace: 'web', name: 'api-5d8f' }), owners)).toEqual({ kind: 'Deployment', namespace: 'web', name: 'api' }));
  test('a bare ReplicaSet stays', () => expect(topController(pod({ kind: 'ReplicaSet', namespace: 'web', name: 'lone' }), owners)?.name).toBe('lone'));
  test('a StatefulSet pod', () => expect(topController(pod({ kind: 'StatefulSet', namespace: 'web', name: 'es' }), owners)?.kind).toBe('StatefulSet'));
  test('a bare pod has none', () => expect(topController(pod(), owners)).toBeUndefined());
});

describe('Redis parsing', () => {
  test('CLUSTER NODES: roles, masters, slot counts', () => {
    const nodes = parseClusterNodes(
      [
        'a1 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460',
        'b2 127.0.0.1:7002@17002 master - 0 1 2 connected 5461-10922 [10923->-c3]',
        'c3 127.0.0.1:7003@17003 slave a1 0 1 1 connected',
        'd4 127.0.0.1:7004@17004 slave,fail b2 0 1 2 disconnected',
      ].join('\n'),
    );
    expect(nodes.map((n) => [n.id, n.address.port, n.masterId ?? '-', n.slots, n.connected])).toEqual([
      ['a1', 7001, '-', 5461, true],
      ['b2', 7002, '-', 5462, true],
      ['c3', 7003, 'a1', 0, true],
      ['d4', 7004, 'b2', 0, false],
    ]);
    expect(nodes[0]!.flags).toContain('myself');
  });

  test('INFO fields and health checks', () => {
    const info = parseInfo('# Replication\r\nrole:slave\r\nmaster_link_status:up\r\nmaster_sync_in_progress:0\r\n');
    expect(info).toMatchObject({ role: 'slave', master_link_status: 'up' });
    expect(replicaInSync({ role: 'replica', masterLinkUp: true, syncInProgress: false, connectedReplicas: 0, uptimeMs: 1000 })).toBe(true);
    expect(replicaInSync({ role: 'replica', masterLinkUp: true, syncInProgress: true, connectedReplicas: 0, uptimeMs: 1000 })).toBe(false);
    expect(fullyCovered({ ok: true, slotsAssigned: 16384, slotsOk: 16384, knownNodes: 6 })).toBe(true);
    expect(fullyCovered({ ok: true, slotsAssigned: 16384, slotsOk: 16000, knownNodes: 6 })).toBe(false);
  });
});

describe('forEachLimit', () => {
  test('never more than the limit in flight, every item once', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setImmediate(r));
      seen.push(n);
      inFlight--;
    });
    expect(peak).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('podAddress / apiServerIsLocal', () => {
  const kubeAt = (server: string) => {
    const kube = new KubeConfig();
    kube.loadFromOptions({ clusters: [{ name: 'c', server }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    return kube;
  };
  test.each([
    ['https://127.0.0.1:6443', true],
    ['http://localhost:8080', true],
    ['https://ABCDEF.gr7.us-east-1.eks.amazonaws.com', false],
    ['https://kubernetes.default.svc', false],
  ])('%s local: %s', (server, local) => expect(apiServerIsLocal(kubeAt(server))).toBe(local));

  const pod = (podIP: string) => ({ podIP, ports: { redis: 6379 } });
  test('a local API server: only loopback pod IPs are dialed', () => {
    expect(podAddress(pod('127.0.0.1'), 'redis', true)).toEqual({ host: '127.0.0.1', port: 6379 });
    expect(podAddress(pod('10.0.1.24'), 'redis', true)).toBeUndefined();
  });
  test('a remote API server: pod IPs as they are; no port, no address', () => {
    expect(podAddress(pod('10.0.1.24'), 'redis', false)).toEqual({ host: '10.0.1.24', port: 6379 });
    expect(podAddress(pod('10.0.1.24'), 'sentinel', false)).toBeUndefined();
  });
});

describe('reachPod: a Redis pod that cannot be reached says why (fail closed)', () => {
  const redisPod = (over: { podIP?: string; ports?: Record<string, number>; annotations?: Record<string, string> } = {}) => ({
    namespace: 'data',
    name: 'redis-ha-0',
    podIP: '10.0.1.24',
    ports: { redis: 6379 },
    annotations: {},
    ...over,
  });
  test.each([
    ['no port named redis', redisPod({ ports: { db: 6379 } }), true, /no container port named "redis"/],
    ['no pod IP', redisPod({ podIP: undefined }), false, /no pod IP/],
    ['a simulated IP behind a local API server', redisPod(), true, /not reachable from here/],
    ['an AUTH Secret the bot does not read', redisPod({ annotations: { [REDIS_AUTH_SECRET_ANNOTATION]: 'redis-auth' } }), false, /AUTH from Secret data\/redis-auth/],
  ])('%s', async (_what, pod, local, reason) => {
    expect(await reachPod(pod, 'redis', local)).toEqual({ unreachable: expect.stringMatching(reason) });
  });
  test('TLS: "true" checks the pod IP, another value names the certificate', async () => {
    expect(await reachPod(redisPod({ annotations: { [REDIS_TLS_ANNOTATION]: 'true' } }), 'redis', false)).toEqual({ address: { host: '10.0.1.24', port: 6379, access: { tls: {} } } });
    expect(await reachPod(redisPod({ annotations: { [REDIS_TLS_ANNOTATION]: 'redis.data.svc' } }), 'redis', false)).toMatchObject({ address: { access: { tls: { servername: 'redis.data.svc' } } } });
  });
  test('errors in words a person can act on', () => {
    expect(explainRedisError(new Error('NOAUTH Authentication required.'))).toMatch(/requires AUTH.*deckhand\.dev\/redis-auth-secret/);
    expect(explainRedisError(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }))).toMatch(/NetworkPolicy/);
    expect(explainRedisError(new Error('Connection is closed.'))).toMatch(/deckhand\.dev\/redis-tls/);
  });
});
