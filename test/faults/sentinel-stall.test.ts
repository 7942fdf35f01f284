/**
 * The Sentinel stall of `/deckhand rollout eks-prod-system --to 2` (issue 10 item 3), with real redis-server
 * processes at the sandbox's default speed (60 virtual seconds per real second). Both system nodes drain
 * together; the replica redis-ha-1 and a Sentinel sit on them and move first. Two waits used to add up to more
 * than the 15-minute drain timeout:
 * - SENTINEL FAILOVER went to the first Sentinel listed, often the one this drain had just moved: it learns the
 *   replicas from the master's INFO only at its next read (10 real s) and refused with NOGOODSLAVE, swallowed;
 * - after the failover, redis-ha-0 was evicted only once it called itself a replica, which Sentinel makes it
 *   only 10-20 real s later.
 * Now the failover goes to a Sentinel that would promote the replica, and the pod moves once every Sentinel
 * names another master.
 */
import { observeRollout } from '../../src/jobs/rollout/observe.js';
import { planRollout } from '../../src/jobs/rollout/plan.js';
import { rolloutKind } from '../../src/jobs/rollout/index.js';
import { rolloutSettingsSchema } from '../../src/jobs/rollout/settings.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { runSteps } from '../helpers/step-harness.js';

describe('Sentinel master of eks-prod-system at the sandbox default speed', () => {
  let env: TestSandbox;
  beforeAll(async () => {
    env = await startTestSandbox({ redis: true, speed: 60, maxAttempts: 3 });
    await env.cluster.settled();
  });
  afterAll(async () => {
    await env.stop();
  });

  test('moves without waiting for the drain timeout: failover first, then the eviction, well within the timeout', async () => {
    const settings = rolloutSettingsSchema.parse({});
    const args = { group: 'eks-prod-system', canary: false, dryRun: false, to: '2' };
    const outcome = planRollout(await observeRollout(env.bot, args), args, env.clock.now(), settings);
    if (outcome.kind !== 'plan') throw new Error(outcome.reason);
    expect(outcome.plan.risks.filter((r) => r.kind === 'redis-sentinel-master').map((r) => r.subject)).toEqual(['data/redis-ha-0']);

    const { checkpoint, recorder, error } = await runSteps({ kind: rolloutKind, kindContext: env.workerContext(rolloutKind), plan: outcome.plan, answer: () => 'wait' });
    await rolloutKind.cleanup!({ ...env.workerContext(rolloutKind), plan: outcome.plan, state: checkpoint.state });

    expect(error).toBeUndefined();
    expect(recorder.questions.map((q) => q.id)).toEqual([]);
    const wave = checkpoint.state.waves[1]!;
    expect(wave.finishedAt! - wave.startedAt!).toBeLessThan(settings.drainTimeoutMs);
    // Failover, its confirmation, then the eviction of the old master.
    const order = recorder.audits.filter((a) => a.details.pod === 'data/redis-ha-0').map((a) => a.action);
    expect(order.at(-1)).toBe('kubernetes:EvictPod');
    expect(order).toContain('redis:SentinelFailover');
    expect(checkpoint.state.sentinelFailovers).toEqual({ 'data/redis-ha-0': 'confirmed' });
    expect(recorder.milestones).toContain('Sentinel mymaster: master moved off redis-ha-0 before eviction');
    // What the card said while it waited: the reason, not just "waiting".
    expect(recorder.statuses.some((s) => /data\/redis-ha-0: Redis procedure waiting: (no replica in sync|no Sentinel sees|Sentinel)/.test(s.blockers ?? ''))).toBe(true);
  });
});
