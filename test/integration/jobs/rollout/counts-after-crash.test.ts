/**
 * Issue 10.11: what a killed worker did still counts. The worker dies right after evictions were accepted and
 * before its next checkpoint, three times; the summary's "pods moved" equals the evictions the cluster accepted.
 */
import { observeRollout } from '../../../../src/jobs/rollout/observe.js';
import { planRollout } from '../../../../src/jobs/rollout/plan.js';
import { rolloutKind } from '../../../../src/jobs/rollout/index.js';
import { rolloutSettingsSchema } from '../../../../src/jobs/rollout/settings.js';
import type { RolloutState } from '../../../../src/jobs/rollout/types.js';
import { newRecorder, runSteps, SimulatedCrash, type Checkpoint } from '../../../helpers/step-harness.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';

const ARGS = { group: 'eks-prod-workers', canary: false, dryRun: false, surge: 2 };

describe('rollout: counts after a crash', () => {
  let env: TestSandbox | undefined;
  afterEach(async () => {
    await env?.stop();
    env = undefined;
  });

  test('evictions accepted just before a crash are counted in the summary', async () => {
    env = await startTestSandbox({ speed: 200, maxAttempts: 3 });
    const outcome = planRollout(await observeRollout(env.bot, ARGS), ARGS, env.clock.now(), rolloutSettingsSchema.parse({}));
    if (outcome.kind !== 'plan') throw new Error(outcome.reason);
    const plan = outcome.plan;
    let checkpoint: Checkpoint<RolloutState> | undefined;
    let crashes = 0;
    for (let run = 0; run < 10; run++) {
      const recorder = newRecorder();
      const result = await runSteps({
        kind: rolloutKind,
        kindContext: env.workerContext(rolloutKind),
        plan,
        checkpoint,
        recorder,
        onTick: (where) => {
          // The worker dies after evictions were sent, at the next save: the cluster moved pods this checkpoint never saw.
          if (crashes < 3 && where === 'checkpoint' && recorder.audits.some((a) => a.action === 'kubernetes:EvictPod')) {
            crashes++;
            throw new SimulatedCrash('after evictions');
          }
        },
      });
      checkpoint = result.checkpoint;
      if (!result.error) break;
      expect(result.error).toBeInstanceOf(SimulatedCrash);
    }
    expect(crashes).toBe(3);
    const accepted = env.log.find({ service: 'kubernetes', action: 'evict-pod' }).filter((e) => e.details.allowed === true && !e.details.dryRun);
    expect(accepted.length).toBeGreaterThan(0);
    const state = checkpoint!.state;
    expect(state.podsMoved).toBe(accepted.length);
    expect(rolloutKind.summarize(plan, state, 'succeeded')).toContain(`${accepted.length} pod(s) moved`);
    await rolloutKind.cleanup!({ ...env.workerContext(rolloutKind), plan, state });
  });
});
