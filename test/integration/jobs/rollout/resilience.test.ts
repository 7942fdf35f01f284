import { describeGroup } from '../../../../src/integrations/aws/auto-scaling.js';
import { observeRollout } from '../../../../src/jobs/rollout/observe.js';
import { planRollout } from '../../../../src/jobs/rollout/plan.js';
import { rolloutKind } from '../../../../src/jobs/rollout/index.js';
import { cleanup as releaseHolds } from '../../../../src/jobs/rollout/prepare.js';
import { rolloutSettingsSchema } from '../../../../src/jobs/rollout/settings.js';
import { LOCK_TAG } from '../../../../src/jobs/rollout/tags.js';
import type { RolloutPlan, RolloutState } from '../../../../src/jobs/rollout/types.js';
import { seededRandom } from '../../../../sandbox/src/contracts.js';
import { runSteps, SimulatedCrash, type Checkpoint } from '../../../helpers/step-harness.js';
import { checkSafety } from './safety.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';

const GROUP = 'eks-prod-workers';
const SYSTEM_NODES = ['ip-10-0-2-50.ec2.internal', 'ip-10-0-34-50.ec2.internal'];
const ARGS = { group: GROUP, canary: false, dryRun: false };

async function plan(env: TestSandbox, extra = {}): Promise<RolloutPlan> {
  const observed = await observeRollout(env.bot, { ...ARGS, ...extra });
  const outcome = planRollout(observed, { ...ARGS, ...extra }, env.clock.now(), rolloutSettingsSchema.parse({}));
  if (outcome.kind !== 'plan') throw new Error(outcome.reason);
  return outcome.plan;
}

async function expectFinished(env: TestSandbox, p: RolloutPlan): Promise<void> {
  const safety = checkSafety(env.log, { group: GROUP, originalDesired: 6, maxUnavailable: 1, otherNodes: SYSTEM_NODES });
  expect(safety.terminations.sort()).toEqual(p.nodes.map((n) => n.instanceId).sort());
  const group = (await describeGroup(env.admin.autoScaling, GROUP))!;
  expect(group).toMatchObject({ desiredCapacity: 6, maxSize: 9, suspendedProcesses: [] });
  expect(group.tags[LOCK_TAG]).toBeUndefined();
  expect(group.instances.filter((i) => i.lifecycleState === 'InService').every((i) => i.launchTemplateVersion === '2')).toBe(true);
}

describe('rollout resilience (sandbox)', () => {
  let env: TestSandbox | undefined;
  afterEach(async () => {
    await env?.stop();
    env = undefined;
  });

  test('killed 20 times at random points (step boundaries and mid-step), resumed each time: completes, nothing terminated twice', async () => {
    env = await startTestSandbox({ speed: 200, maxAttempts: 3 });
    const p = await plan(env, { surge: 2 });
    const random = seededRandom(42);
    let checkpoint: Checkpoint<RolloutState> | undefined;
    let crashes = 0;
    const wheres: string[] = [];
    for (let run = 0; run < 60; run++) {
      let ticks = 0;
      const crashAt = crashes < 20 ? 1 + Math.floor(random() * 12) : Infinity;
      const result = await runSteps({ kind: rolloutKind,
        kindContext: env.workerContext(rolloutKind),
        plan: p,
        checkpoint,
        onTick: (where) => {
          if (++ticks === crashAt) {
            wheres.push(where);
            throw new SimulatedCrash(where);
          }
        },
      });
      checkpoint = result.checkpoint;
      if (!result.error) break;
      expect(result.error).toBeInstanceOf(SimulatedCrash);
      crashes++;
      // Every other crash the run's holds are released before the job resumes (the resumed run takes them back).
      // Not the kind's whole cleanup: that one is terminal (it gives the surge back), and a cleaned-up run never resumes.
      if (crashes % 2 === 0) await releaseHolds({ ...env.workerContext(rolloutKind), plan: p, state: checkpoint.state });
    }
    await rolloutKind.cleanup!({ ...env.workerContext(rolloutKind), plan: p, state: checkpoint!.state });
    expect(crashes).toBe(20);
    expect(wheres.some((w) => w.startsWith('before '))).toBe(true);
    expect(wheres.some((w) => w === 'audit')).toBe(true);
    await expectFinished(env, p);
  });

  test('30% of AWS and Kubernetes calls throttled: the rollout completes', async () => {
    // The SDK's own attempts (AWS_MAX_ATTEMPTS) are the only retries an AWS call gets (src/integrations/retry-policy.ts).
    env = await startTestSandbox({ speed: 200 });
    const p = await plan(env, { surge: 3 });
    env.faults.services.autoscaling = { throttleRate: 0.3 };
    env.faults.services.ec2 = { throttleRate: 0.3 };
    env.faults.services.kubernetes = { throttleRate: 0.3 };
    const { checkpoint, error } = await runSteps({ kind: rolloutKind, kindContext: env.workerContext(rolloutKind), plan: p });
    env.faults.services = {};
    await rolloutKind.cleanup!({ ...env.workerContext(rolloutKind), plan: p, state: checkpoint.state });
    expect(error).toBeUndefined();
    await expectFinished(env, p);
    // About a thousand calls, 30% of them refused and retried, every backoff on the sandbox clock and Kubernetes
    // connections kept alive: ~15 s on the 2-core machine, ~20 s beside two other test files.
  }, 45_000);
});
