/**
 * A rollout over a Redis Cluster with no replicas (3 primaries), with real redis-server processes: each primary
 * on an old node moves through a temporary replica pod (seed-posts §1.4) while a client keeps writing to it.
 *
 * What Redis guarantees here, and what is checked: replication is asynchronous, so a write a primary
 * acknowledged can only be lost if the primary goes away before its replica has it, i.e. in a failover window.
 * Both failovers of this procedure are coordinated CLUSTER FAILOVERs (no FORCE): the primary pauses writes until
 * the replica reached its offset, and the old primary is evicted only while it is a replica. So:
 * - every write confirmed by `WAIT 1` (it reached the other node) survives, and
 * - every acknowledged write survives, because no failover here is uncoordinated.
 * Writes WAIT could not confirm (while the temporary node stands alone) are acknowledged-only.
 */
import { Redis } from 'ioredis';
import { listPods } from '../../../../src/integrations/kubernetes/pods.js';
import { clusterHealth, clusterNodes, fullyCovered } from '../../../../src/integrations/redis-procedures/cluster.js';
import { rolloutKind } from '../../../../src/jobs/rollout/index.js';
import { rolloutSettingsSchema } from '../../../../src/jobs/rollout/settings.js';
import { observeRollout } from '../../../../src/jobs/rollout/observe.js';
import { cleanup } from '../../../../src/jobs/rollout/prepare.js';
import { planRollout } from '../../../../src/jobs/rollout/plan.js';
import type { RolloutPlan, RolloutState } from '../../../../src/jobs/rollout/types.js';
import { readScenario } from '../../../../sandbox/src/index.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';
import { newRecorder, runSteps, SimulatedCrash, type Checkpoint } from '../../../helpers/step-harness.js';

const PREFIX = `dh-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const PRIMARIES = ['cache/redis-cache-0', 'cache/redis-cache-1', 'cache/redis-cache-2'];
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The default scenario with a Redis Cluster of 3 primaries and no replica, and short grace periods. */
function noReplicaScenario() {
  const raw = readScenario('default');
  const workloads = raw.kubernetes.workloads as { name: string; replicas?: number; terminationGracePeriodSeconds?: number }[];
  for (const w of workloads) if ((w.terminationGracePeriodSeconds ?? 30) > 10) w.terminationGracePeriodSeconds = 10;
  workloads.find((w) => w.name === 'redis-cache')!.replicas = 3;
  return raw;
}

function connection(port: number): Redis {
  const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: 500 });
  c.on('error', () => undefined);
  return c;
}

/** A hash tag whose slot the given primary serves, so one plain connection follows that primary's slots. */
async function tagServedBy(port: number): Promise<string> {
  const c = connection(port);
  await c.connect();
  try {
    const ranges = ((await c.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][]).filter((r) => r[2][1] === port);
    for (let i = 0; ; i++) {
      const slot = Number(await c.call('CLUSTER', 'KEYSLOT', `{t${i}}`));
      if (ranges.some(([from, to]) => slot >= from && slot <= to)) return `{t${i}}`;
    }
  } finally {
    c.disconnect();
  }
}

/**
 * Writes keys of one primary's slots to whichever of the primary and its temporary replica accepts them (the
 * other answers MOVED as a replica, or is gone); records acknowledged writes and those WAIT 1 confirmed.
 */
async function primaryWriter(env: TestSandbox, primary: string) {
  const tag = await tagServedBy(env.cluster.redisPort(primary)!);
  const acked: string[] = [];
  const replicated: string[] = [];
  let stopped = false;
  const done = (async () => {
    for (let i = 0; !stopped; i++) {
      const ports = [env.cluster.redisPort(primary), env.cluster.redisPort(`${primary}-deckhand-tmp`)].filter((p): p is number => p !== undefined);
      for (const port of ports) {
        const c = connection(port);
        try {
          await c.connect();
          const key = `${PREFIX}:${tag}:${i}`;
          if ((await c.set(key, String(i))) !== 'OK') continue;
          acked.push(key);
          if (Number(await c.call('WAIT', '1', '200')) >= 1) replicated.push(key);
          break;
        } catch {
          // a replica (MOVED) or a stopped node: try the other one
        } finally {
          c.disconnect();
        }
      }
      await pause(15);
    }
  })();
  return { tag, acked, replicated, stop: async () => ((stopped = true), await done) };
}

async function planFor(env: TestSandbox, group: string): Promise<RolloutPlan> {
  const args = { group, canary: false, dryRun: false, to: '2' };
  const outcome = planRollout(await observeRollout(env.bot, args), args, env.clock.now(), rolloutSettingsSchema.parse({}));
  if (outcome.kind !== 'plan') throw new Error(outcome.reason);
  return outcome.plan;
}

/** The group holding redis-cache-0's node, and the Cluster primaries the plan moves. */
async function planMovingPrimaries(env: TestSandbox): Promise<{ plan: RolloutPlan; moved: string[] }> {
  for (const group of ['eks-prod-system', 'eks-prod-workers']) {
    const plan = await planFor(env, group);
    const moved = plan.risks.filter((r) => r.kind === 'redis-cluster-primary').map((r) => r.subject).sort();
    if (moved.includes(PRIMARIES[0]!)) return { plan, moved };
  }
  throw new Error('no group runs redis-cache-0');
}

async function expectClusterClean(env: TestSandbox): Promise<void> {
  // A deleted pod leaves after its grace period on the sandbox's clock: sleep on that clock (a sleeper fast-forwards
  // it; a real pause waits at the human pace of an idle sandbox).
  for (let waited = 0; waited < 120_000; waited += 1_000) {
    const pods = await listPods(env.admin.kube);
    if (!pods.some((p) => p.name.endsWith('-deckhand-tmp'))) break;
    await env.clock.sleep(1_000);
  }
  expect((await listPods(env.admin.kube)).filter((p) => p.name.endsWith('-deckhand-tmp')).map((p) => p.name)).toEqual([]);
  for (const name of PRIMARIES) {
    const address = { host: '127.0.0.1', port: env.cluster.redisPort(name)! };
    const nodes = await clusterNodes(address);
    // Only the three primaries: no temporary node, not even as a failed entry.
    expect(nodes.map((n) => n.address.port).sort()).toEqual(PRIMARIES.map((p) => env.cluster.redisPort(p)!).sort());
    expect(nodes.every((n) => n.flags.includes('master') && !n.flags.includes('fail'))).toBe(true);
    expect(fullyCovered(await clusterHealth(address))).toBe(true);
  }
}

async function readAll(env: TestSandbox, primary: string, keys: string[]): Promise<(string | null)[]> {
  if (keys.length === 0) return [];
  const c = connection(env.cluster.redisPort(primary)!);
  await c.connect();
  try {
    const values = await c.mget(...keys);
    await c.del(...keys);
    return values;
  } finally {
    c.disconnect();
  }
}

/** Real redis-server processes and a rollout each: 20–32 s alone, over 60 s beside a busy machine's other work. */
const RUN_TIMEOUT_MS = 180_000;

describe('rollout: Redis Cluster primaries with no replica move through a temporary replica (sandbox)', () => {
  let env: TestSandbox | undefined;
  afterEach(async () => {
    await env?.stop();
    env = undefined;
  });

  test('completes with every slot covered, no temporary pod or node left, and no write lost', async () => {
    env = await startTestSandbox({ scenario: noReplicaScenario(), redis: true, speed: 20, maxAttempts: 3 });
    await env.cluster.settled();
    const { plan, moved } = await planMovingPrimaries(env);
    expect(moved.length).toBeGreaterThanOrEqual(1);
    expect(plan.risks.find((r) => r.subject === PRIMARIES[0])?.detail).toMatch(/temporary replica redis-cache-0-deckhand-tmp/);

    const writer = await primaryWriter(env, PRIMARIES[0]!);
    await pause(200);
    const { checkpoint, recorder, error } = await runSteps({ kind: rolloutKind, kindContext: env.workerContext(rolloutKind), plan, answer: () => 'wait' });
    await rolloutKind.cleanup!({ ...env.workerContext(rolloutKind), plan, state: checkpoint.state });
    await pause(200);
    await writer.stop();
    expect(error).toBeUndefined();

    // One temporary pod per moved primary, each created once and removed.
    const created = env.log.entries.filter((e) => e.action === 'create-pod').map((e) => e.target).sort();
    expect(created).toEqual(moved.map((m) => `${m}-deckhand-tmp`));
    expect(Object.values(checkpoint.state.temporaryReplicas ?? {}).every((t) => t.removed)).toBe(true);
    // The procedure's order for redis-cache-0: takeover before the eviction, fail back after it, removal last.
    const order = recorder.audits
      .filter((a) => JSON.stringify(a.details).includes('redis-cache-0'))
      .map((a) => `${a.action}${a.details.reason ? ` (${String(a.details.reason)})` : ''}`)
      .filter((x, i, all) => all.indexOf(x) === i);
    expect(order).toEqual([
      'kubernetes:CreatePod',
      'redis:ClusterMeet',
      'redis:ClusterReplicate',
      'redis:ClusterFailover (temporary replica takes over)',
      'kubernetes:EvictPod',
      'redis:ClusterFailover (fail back from the temporary replica)',
      'redis:ClusterReset',
      'kubernetes:DeletePod (temporary replica no longer needed)',
    ]);
    expect(recorder.audits.filter((a) => a.action === 'redis:ClusterForget').length).toBeGreaterThanOrEqual(moved.length);
    expect(recorder.milestones).toEqual(expect.arrayContaining(['Redis Cluster: temporary replica redis-cache-0-deckhand-tmp took over from redis-cache-0 before eviction', 'Redis Cluster: failed back to redis-cache-0']));
    // The old primary was evicted (Eviction API), not deleted; only the temporary pod was deleted.
    expect(env.log.entries.filter((e) => e.action === 'evict-pod' && e.details.allowed).map((e) => e.target)).toEqual(expect.arrayContaining(moved));
    expect(env.log.entries.filter((e) => e.action === 'delete-pod').map((e) => e.target).sort()).toEqual(created);

    await expectClusterClean(env);
    expect(writer.replicated.length).toBeGreaterThan(10);
    expect(writer.acked.length).toBeGreaterThan(writer.replicated.length);
    const values = await readAll(env, PRIMARIES[0]!, writer.acked);
    const lost = writer.acked.filter((_, i) => values[i] === null);
    expect(lost.filter((k) => writer.replicated.includes(k))).toEqual([]);
    expect(lost).toEqual([]);
  }, RUN_TIMEOUT_MS);

  test('crashed after the temporary pod exists and again after its takeover, resumed from the checkpoint: one temporary pod, run completes', async () => {
    env = await startTestSandbox({ scenario: noReplicaScenario(), redis: true, speed: 20, maxAttempts: 3 });
    await env.cluster.settled();
    const { plan, moved } = await planMovingPrimaries(env);
    const sandbox = env;
    const recorder = newRecorder();
    const crashes: string[] = [];
    // Crash 1: the temporary pod exists, before it joins. Crash 2: it took over, before the eviction and fail-back.
    const crashPoints: [string, () => boolean][] = [
      ['joining', () => sandbox.log.entries.some((e) => e.action === 'create-pod')],
      ['took over', () => recorder.audits.some((a) => a.details.reason === 'temporary replica takes over')],
    ];
    let checkpoint: Checkpoint<RolloutState> | undefined;
    let result;
    for (let run = 0; run < 5; run++) {
      result = await runSteps({
        kind: rolloutKind,
        kindContext: env.workerContext(rolloutKind),
        plan,
        checkpoint,
        recorder,
        answer: () => 'wait',
        onTick: (where) => {
          const next = crashPoints[crashes.length];
          if (where === 'checkpoint' || !next || !next[1]()) return;
          crashes.push(next[0]);
          throw new SimulatedCrash(next[0]);
        },
      });
      checkpoint = result.checkpoint;
      if (!result.error) break;
      expect(result.error).toBeInstanceOf(SimulatedCrash);
      // At the first crash the temporary pod's name is already in the checkpoint.
      if (crashes.length === 1) expect(checkpoint.state.temporaryReplicas?.[PRIMARIES[0]!]?.pod).toBe('redis-cache-0-deckhand-tmp');
    }
    expect(result?.error).toBeUndefined();
    expect(crashes).toEqual(['joining', 'took over']);
    await rolloutKind.cleanup!({ ...env.workerContext(rolloutKind), plan, state: checkpoint!.state });

    expect(env.log.entries.filter((e) => e.action === 'create-pod').map((e) => e.target).sort()).toEqual(moved.map((m) => `${m}-deckhand-tmp`));
    expect(recorder.milestones).toContain('Redis Cluster: failed back to redis-cache-0');
    await expectClusterClean(env);
  }, RUN_TIMEOUT_MS);

  test('cleanup after a crash deletes a temporary replica that serves no slots, and keeps one that took over', async () => {
    env = await startTestSandbox({ scenario: noReplicaScenario(), redis: true, speed: 20, maxAttempts: 3 });
    await env.cluster.settled();
    const { plan } = await planMovingPrimaries(env);
    const sandbox = env;
    const recorder = newRecorder();
    const temporaryPods = async () => (await listPods(sandbox.admin.kube)).filter((p) => p.name === 'redis-cache-0-deckhand-tmp' && !p.terminating);
    const runUntil = async (checkpoint: Checkpoint<RolloutState> | undefined, crashWhen?: () => boolean) =>
      runSteps({
        kind: rolloutKind,
        kindContext: sandbox.workerContext(rolloutKind),
        plan,
        checkpoint,
        recorder,
        answer: () => 'wait',
        onTick: (where) => {
          if (where !== 'checkpoint' && crashWhen?.()) throw new SimulatedCrash(where);
        },
      });
    const cleanUp = async (state: RolloutState) => (await cleanup({ clients: sandbox.worker, clock: sandbox.clock, plan, state })).done;

    // Crashed while the temporary node joins as a replica: cleanup removes it from the cluster and deletes it.
    const first = await runUntil(undefined, () => recorder.audits.some((a) => a.action === 'redis:ClusterReplicate' && String(a.details.node).startsWith('redis-cache-0')));
    expect(first.error).toBeInstanceOf(SimulatedCrash);
    expect(await temporaryPods()).toHaveLength(1);
    const temporaryId = first.checkpoint.state.temporaryReplicas?.[PRIMARIES[0]!]?.temporaryId;
    expect(temporaryId).toBeDefined();
    expect(await cleanUp(first.checkpoint.state)).toContain('deleted the temporary replica cache/redis-cache-0-deckhand-tmp');
    expect(await temporaryPods()).toEqual([]);
    const known = await clusterNodes({ host: '127.0.0.1', port: env.cluster.redisPort(PRIMARIES[0]!)! });
    expect(known.map((n) => n.id)).not.toContain(temporaryId);

    // Crashed after a (new) temporary node took over: it holds the slots, so cleanup keeps it; the resumed run finishes.
    const second = await runUntil(first.checkpoint, () => recorder.milestones.includes('Redis Cluster: temporary replica redis-cache-0-deckhand-tmp took over from redis-cache-0 before eviction'));
    expect(second.error).toBeInstanceOf(SimulatedCrash);
    expect(await cleanUp(second.checkpoint.state)).toContain(
      'kept cache/redis-cache-0-deckhand-tmp: it serves the slots of cache/redis-cache-0; fail back to cache/redis-cache-0 before deleting it',
    );
    expect(await temporaryPods()).toHaveLength(1);
    const last = await runUntil(second.checkpoint);
    expect(last.error).toBeUndefined();
    await rolloutKind.cleanup!({ ...env.workerContext(rolloutKind), plan, state: last.checkpoint.state });
    expect(env.log.entries.filter((e) => e.action === 'create-pod' && e.target === 'cache/redis-cache-0-deckhand-tmp')).toHaveLength(2);
    await expectClusterClean(env);
  }, RUN_TIMEOUT_MS);
});
