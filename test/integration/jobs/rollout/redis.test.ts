/**
 * A rollout that moves a Sentinel master and Redis Cluster primaries, with real redis-server processes, while
 * clients keep writing. What Redis guarantees, and what is checked:
 * - Sentinel replication is asynchronous: a write the master acknowledged may still be lost in a failover.
 *   A write confirmed with `WAIT 1` reached a replica, and SENTINEL FAILOVER promotes a replica; so every write
 *   confirmed by WAIT 1 must survive. (Writes WAIT could not confirm, e.g. while no replica is attached, are not counted.)
 * - CLUSTER FAILOVER without FORCE is coordinated: the primary stops accepting writes until the replica has
 *   caught up, so every write a primary acknowledged must survive the failover.
 */
import { Cluster, Redis } from 'ioredis';
import { observeRollout } from '../../../../src/jobs/rollout/observe.js';
import { planRollout } from '../../../../src/jobs/rollout/plan.js';
import { rolloutKind } from '../../../../src/jobs/rollout/index.js';
import { rolloutSettingsSchema } from '../../../../src/jobs/rollout/settings.js';
import { runSteps } from '../../../helpers/step-harness.js';
import { checkSafety } from './safety.js';
import { shortGraceScenario } from './scenarios.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';

// In the default scenario the Sentinel master and two Cluster primaries run on the system group's nodes.
const GROUP = 'eks-prod-system';
const PREFIX = `dh-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes to whichever redis-ha pod is master; counts a write only when WAIT confirms a replica has it. */
function sentinelWriter(env: TestSandbox) {
  const acked: string[] = [];
  let stopped = false;
  const ports = ['data/redis-ha-0', 'data/redis-ha-1'].map((p) => env.cluster.redisPort(p)!);
  const done = (async () => {
    for (let i = 0; !stopped; i++) {
      for (const port of ports) {
        const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
        client.on('error', () => undefined);
        try {
          await client.connect();
          if (!String(await client.info('replication')).includes('role:master')) continue;
          const key = `${PREFIX}:s:${i}`;
          await client.set(key, String(i));
          if (Number(await client.call('WAIT', '1', '300')) >= 1) acked.push(key);
          break;
        } catch {
          // master moving: try again
        } finally {
          client.disconnect();
        }
      }
      await pause(20);
    }
  })();
  return { acked, stop: async () => ((stopped = true), await done), ports };
}

function clusterWriter(env: TestSandbox) {
  const acked: string[] = [];
  let stopped = false;
  const nodes = Array.from({ length: 6 }, (_, i) => ({ host: '127.0.0.1', port: env.cluster.redisPort(`cache/redis-cache-${i}`)! }));
  const client = new Cluster(nodes, { clusterRetryStrategy: () => 100, redisOptions: { maxRetriesPerRequest: 1 } });
  client.on('error', () => undefined);
  const done = (async () => {
    for (let i = 0; !stopped; i++) {
      const key = `${PREFIX}:c:${i}`;
      try {
        if ((await client.set(key, String(i))) === 'OK') acked.push(key);
      } catch {
        // no primary for the slot right now
      }
      await pause(10);
    }
  })();
  return { acked, client, stop: async () => ((stopped = true), await done) };
}

describe('rollout with real Redis Sentinel and Redis Cluster (sandbox)', () => {
  let env: TestSandbox;
  beforeAll(async () => {
    env = await startTestSandbox({ scenario: shortGraceScenario(), redis: true, speed: 20, maxAttempts: 3 });
    await env.cluster.settled();
  });
  afterAll(async () => {
    await env.stop();
  });

  test('moves the Sentinel master and the Cluster primaries by their procedures; no confirmed write is lost', async () => {
    const args = { group: GROUP, canary: false, dryRun: false, to: '2' };
    const outcome = planRollout(await observeRollout(env.bot, args), args, env.clock.now(), rolloutSettingsSchema.parse({ redisFailBack: true }));
    if (outcome.kind !== 'plan') throw new Error(outcome.reason);
    const plan = outcome.plan;
    expect(plan.risks.filter((r) => r.kind === 'redis-sentinel-master').map((r) => r.subject)).toEqual(['data/redis-ha-0']);
    expect(plan.risks.filter((r) => r.kind === 'redis-cluster-primary').map((r) => r.subject).sort()).toEqual(['cache/redis-cache-0', 'cache/redis-cache-1']);

    const sentinel = sentinelWriter(env);
    const cluster = clusterWriter(env);
    await pause(300);
    const { checkpoint, recorder, error } = await runSteps({ kind: rolloutKind, kindContext: env.workerContext(rolloutKind), plan, answer: () => 'wait' });
    await rolloutKind.cleanup!({ ...env.workerContext(rolloutKind), plan, state: checkpoint.state });
    await pause(300);
    await sentinel.stop();
    await cluster.stop();
    expect(error).toBeUndefined();

    // Only the master is failed over, once its replica is back on a new node and in sync (Sentinel may need a
    // retry while it rediscovers the moved replica: it re-reads the master's INFO every 10 real seconds).
    const failovers = recorder.audits.filter((a) => a.action === 'redis:SentinelFailover').map((a) => a.details.pod);
    expect(failovers.length).toBeGreaterThanOrEqual(1);
    expect(new Set(failovers)).toEqual(new Set(['data/redis-ha-0']));
    expect(recorder.milestones).toContain('Sentinel mymaster: failed back to redis-ha-0');
    expect(recorder.audits.filter((a) => a.action === 'redis:SentinelReset').length).toBeGreaterThanOrEqual(1);
    expect(recorder.audits.filter((a) => a.action === 'redis:ClusterFailover').length).toBeGreaterThanOrEqual(2);
    const workers = env.cloud.model.autoScaling.groupInstances(env.cloud.model.autoScaling.group('eks-prod-workers')).map((i) => i.privateDnsName);
    checkSafety(env.log, { group: GROUP, originalDesired: 2, maxUnavailable: 1, otherNodes: workers });

    expect(sentinel.acked.length).toBeGreaterThan(10);
    const haPort0 = env.cluster.redisPort('data/redis-ha-0');
    const master = await (async () => {
      for (const port of sentinel.ports) {
        const c = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
        c.on('error', () => undefined);
        if (String(await c.info('replication')).includes('role:master')) return c;
        c.disconnect();
      }
      throw new Error('no Sentinel master');
    })();
    expect(master.options.port).toBe(haPort0);
    const values = sentinel.acked.length ? await master.mget(...sentinel.acked) : [];
    expect(sentinel.acked.filter((_, i) => values[i] === null)).toEqual([]);
    await master.del(...sentinel.acked);
    master.disconnect();

    expect(cluster.acked.length).toBeGreaterThan(10);
    const lost: string[] = [];
    for (const key of cluster.acked) if ((await cluster.client.get(key)) === null) lost.push(key);
    expect(lost).toEqual([]);
    for (const key of cluster.acked) await cluster.client.del(key);
    cluster.client.disconnect();
  });
});
