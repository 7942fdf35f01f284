/**
 * Fail closed on a Redis deckhand cannot verify, with real redis-server processes: the Sentinel-managed
 * redis-ha pods require AUTH (requirepass from the Secret data/redis-auth).
 * - Without the pod annotation naming the Secret, the master's role cannot be read (NOAUTH): the run must not
 *   evict it (today's code took "unknown" for "not a master" and evicted it without a failover); the status
 *   card says why, and a human is asked.
 * - With the annotation, the worker reads the Secret (RBAC: get on that one Secret) and the Sentinel procedure
 *   runs as usual: failover first, then the move.
 */
import { Redis } from 'ioredis';
import { RefusalError } from '../../src/errors.js';
import { observeRollout } from '../../src/jobs/rollout/observe.js';
import { planRollout } from '../../src/jobs/rollout/plan.js';
import { rolloutKind } from '../../src/jobs/rollout/index.js';
import { REDIS_AUTH_SECRET_ANNOTATION } from '../../src/jobs/rollout/redis-address.js';
import { rolloutSettingsSchema } from '../../src/jobs/rollout/settings.js';
import type { RolloutPlan } from '../../src/jobs/rollout/types.js';
import { shortGraceScenario } from '../integration/jobs/rollout/scenarios.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { runSteps } from '../helpers/step-harness.js';

const GROUP = 'eks-prod-system';
const PASSWORD = `pw-${Math.random().toString(36).slice(2, 10)}`;

type Workload = { name: string; annotations?: Record<string, string> };

/** The default scenario, its redis-ha pods requiring AUTH; `annotated`: they name their Secret for deckhand. */
function authScenario(annotated: boolean) {
  const raw = shortGraceScenario();
  const kube = raw.kubernetes as { workloads: Workload[]; secrets?: unknown[]; redis: { sentinel: { authSecret?: string }[] } };
  kube.secrets = [{ namespace: 'data', name: 'redis-auth', stringData: { password: PASSWORD } }];
  kube.redis.sentinel[0]!.authSecret = 'redis-auth';
  if (annotated) {
    const ha = kube.workloads.find((w) => w.name === 'redis-ha')!;
    ha.annotations = { ...ha.annotations, [REDIS_AUTH_SECRET_ANNOTATION]: 'redis-auth' };
  }
  return raw;
}

async function planFor(env: TestSandbox): Promise<RolloutPlan> {
  const args = { group: GROUP, canary: false, dryRun: false, to: '2' };
  const outcome = planRollout(await observeRollout(env.bot, args), args, env.clock.now(), rolloutSettingsSchema.parse({}));
  if (outcome.kind !== 'plan') throw new Error(outcome.reason);
  return outcome.plan;
}

async function roleOf(env: TestSandbox, pod: string): Promise<string> {
  const client = new Redis({ host: '127.0.0.1', port: env.cluster.redisPort(pod)!, password: PASSWORD, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    return String(((await client.call('ROLE')) as unknown[])[0]);
  } finally {
    client.disconnect();
  }
}

const evicted = (env: TestSandbox, pod: string) => env.log.entries.some((e) => e.action === 'evict-pod' && e.target === pod && e.details.allowed);

describe('Redis procedures fail closed (sandbox, real Redis requiring AUTH)', () => {
  let env: TestSandbox | undefined;
  afterEach(async () => {
    await env?.stop();
    env = undefined;
  });

  test('a master whose role cannot be read (AUTH, no Secret named) is not evicted: the card says why and a human is asked', async () => {
    env = await startTestSandbox({ scenario: authScenario(false), redis: true, speed: 20, maxAttempts: 3 });
    await env.cluster.settled();
    const plan = await planFor(env);
    expect(plan.risks.find((r) => r.subject === 'data/redis-ha-0')).toMatchObject({ kind: 'redis-unverified', detail: expect.stringMatching(/NOAUTH.*deckhand\.dev\/redis-auth-secret/) });

    const { checkpoint, recorder, error } = await runSteps({
      kind: rolloutKind,
      kindContext: env.workerContext(rolloutKind),
      plan,
      answer: (q) => (q.id.includes('redis-unverified') ? 'abort' : 'wait'),
    });
    await rolloutKind.cleanup!({ ...env.workerContext(rolloutKind), plan, state: checkpoint.state });

    expect(error).toBeInstanceOf(RefusalError);
    const question = recorder.questions.find((q) => q.id.includes('redis-unverified'));
    expect(question?.text).toMatch(/data\/redis-ha-0.*cannot be verified.*NOAUTH/s);
    expect(question?.choices.map((c) => c.id)).toEqual(['retry', 'skip', 'evict', 'abort']);
    expect(question?.choices.find((c) => c.id === 'evict')?.needsApprover).toBe(true);
    expect(recorder.statuses.some((s) => /data\/redis-ha-0: Redis role not verified, not evicted: NOAUTH/.test(s.blockers ?? ''))).toBe(true);
    expect(evicted(env, 'data/redis-ha-0')).toBe(false);
    expect(recorder.audits.filter((a) => a.action.startsWith('redis:Sentinel'))).toEqual([]);
    expect(await roleOf(env, 'data/redis-ha-0')).toBe('master');
  });

  test('with the Secret named by the pod annotation, the worker logs in and fails the master over before moving it', async () => {
    env = await startTestSandbox({ scenario: authScenario(true), redis: true, speed: 20, maxAttempts: 3 });
    await env.cluster.settled();
    const plan = await planFor(env);
    // The bot reads no Secret: the role is checked by the worker when the pod moves.
    expect(plan.risks.find((r) => r.subject === 'data/redis-ha-0')).toMatchObject({ kind: 'redis-unverified', detail: expect.stringMatching(/AUTH from Secret data\/redis-auth/) });

    const { checkpoint, recorder, error } = await runSteps({ kind: rolloutKind, kindContext: env.workerContext(rolloutKind), plan, answer: () => 'wait' });
    await rolloutKind.cleanup!({ ...env.workerContext(rolloutKind), plan, state: checkpoint.state });

    expect(error).toBeUndefined();
    expect(recorder.questions.filter((q) => q.id.includes('redis-unverified'))).toEqual([]);
    expect(recorder.audits.filter((a) => a.action === 'redis:SentinelFailover').map((a) => a.details.pod)).toContain('data/redis-ha-0');
    expect(recorder.milestones).toContain('Sentinel mymaster: master moved off redis-ha-0 before eviction');
    expect(evicted(env, 'data/redis-ha-0')).toBe(true);
    // The failover came before the eviction: redis-ha-0 was a replica when it left.
    expect(await roleOf(env, 'data/redis-ha-1')).toBe('master');
    expect(JSON.stringify(recorder.audits)).not.toContain(PASSWORD);
  });
});
