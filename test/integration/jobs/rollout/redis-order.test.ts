/**
 * Redis-aware drain order with real redis-server processes and no PDB over any Redis pod: rolling
 * eks-prod-workers (all six nodes in one wave) used to evict both Sentinels on old nodes at once (1 of 3 Ready,
 * quorum 2) and all three Redis Cluster replicas at once (three primaries without a replica). A sampler reads
 * the live system every 100 real ms during the run and every sample must hold:
 * - Sentinels Ready (and not terminating) >= the quorum (2);
 * - at most one Redis Cluster primary without a connected replica (one move at a time).
 */
import { listPods } from '../../../../src/integrations/kubernetes/pods.js';
import { clusterNodes } from '../../../../src/integrations/redis-procedures/cluster.js';
import { observeRollout } from '../../../../src/jobs/rollout/observe.js';
import { planRollout } from '../../../../src/jobs/rollout/plan.js';
import { rolloutKind } from '../../../../src/jobs/rollout/index.js';
import { rolloutSettingsSchema } from '../../../../src/jobs/rollout/settings.js';
import { shortGraceScenario } from './scenarios.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';
import { runSteps } from '../../../helpers/step-harness.js';

const QUORUM = 2;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample {
  sentinelsReady: number;
  primariesWithoutReplica: number;
}

async function sample(env: TestSandbox): Promise<Sample | undefined> {
  const pods = await listPods(env.admin.kube);
  const live = (p: { ready: boolean; terminating: boolean }) => p.ready && !p.terminating;
  const sentinelsReady = pods.filter((p) => p.labels.app === 'redis-sentinel' && live(p)).length;
  for (let i = 0; i < 6; i++) {
    const port = env.cluster.redisPort(`cache/redis-cache-${i}`);
    const nodes = await clusterNodes({ host: '127.0.0.1', port: port! }).catch(() => undefined);
    if (!nodes) continue;
    const replicaOf = new Set(nodes.filter((n) => n.masterId && n.connected && !n.flags.includes('fail')).map((n) => n.masterId));
    const primaries = nodes.filter((n) => n.flags.includes('master') && n.slots > 0);
    return { sentinelsReady, primariesWithoutReplica: primaries.filter((p) => !replicaOf.has(p.id)).length };
  }
  return undefined;
}

describe('Redis-aware drain order without PDBs (sandbox, real Redis)', () => {
  let env: TestSandbox;
  beforeAll(async () => {
    env = await startTestSandbox({ scenario: shortGraceScenario(), redis: true, speed: 20, maxAttempts: 3 });
    await env.cluster.settled();
  });
  afterAll(async () => {
    await env.stop();
  });

  test('never fewer Sentinels than the quorum, never more than one primary without a replica, one Redis move at a time; the plan states the order', async () => {
    const args = { group: 'eks-prod-workers', canary: false, dryRun: false, to: '2' };
    const outcome = planRollout(await observeRollout(env.bot, args), args, env.clock.now(), rolloutSettingsSchema.parse({}));
    if (outcome.kind !== 'plan') throw new Error(outcome.reason);
    const plan = outcome.plan;
    expect(plan.risks.filter((r) => r.kind === 'redis-order').map((r) => r.subject).sort()).toEqual(['Deployment data/redis-sentinel', 'StatefulSet cache/redis-cache']);

    const samples: Sample[] = [];
    let running = true;
    const sampler = (async () => {
      while (running) {
        const s = await sample(env).catch(() => undefined);
        if (s) samples.push(s);
        await pause(100);
      }
    })();
    const { checkpoint, recorder, error } = await runSteps({ kind: rolloutKind, kindContext: env.workerContext(rolloutKind), plan, answer: () => 'wait' });
    running = false;
    await sampler;
    await rolloutKind.cleanup!({ ...env.workerContext(rolloutKind), plan, state: checkpoint.state });
    expect(error).toBeUndefined();

    expect(samples.length).toBeGreaterThan(20);
    expect(samples.filter((s) => s.sentinelsReady < QUORUM)).toEqual([]);
    expect(samples.filter((s) => s.primariesWithoutReplica > 1)).toEqual([]);
    // The moves happened, and the card said what they waited for.
    expect(samples.some((s) => s.sentinelsReady < 3)).toBe(true);
    expect(samples.some((s) => s.primariesWithoutReplica === 1)).toBe(true);
    expect(recorder.statuses.some((s) => /Redis order: one Redis move at a time/.test(s.blockers ?? ''))).toBe(true);
  });
});
