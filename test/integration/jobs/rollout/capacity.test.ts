/**
 * Issue 10 item 9: pods created while replacements boot must have somewhere to go. The cluster is sampled at
 * every change during a whole default-scenario rollout: the group's schedulable Ready capacity (Ready, not
 * cordoned, no NoSchedule taint) never drops below desired - maxUnavailable.
 */
import { rolloutKind } from '../../../../src/jobs/rollout/index.js';
import { runSteps } from '../../../helpers/step-harness.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';
import { sampleCapacity } from './capacity.js';
import { planFor, SYSTEM_NODES } from './plan-for.js';

describe('schedulable capacity during a rollout (sandbox)', () => {
  let env: TestSandbox;
  beforeEach(async () => {
    // Slow enough that boot + kubelet (55 virtual s, ~1 s real) outlasts the API calls of a taint step, even
    // under load: the old order (taint while the new nodes boot) is then always caught.
    env = await startTestSandbox({ speed: 50, maxAttempts: 3 });
  });
  afterEach(async () => {
    await env.stop();
  });

  test.each([{ surge: undefined }, { surge: 2 }])('surge $surge: never below desired 6 - maxUnavailable 1 at any sample', async ({ surge }) => {
    const p = await planFor(env, { surge });
    const sampler = sampleCapacity(env, SYSTEM_NODES);
    try {
      const { checkpoint, error } = await runSteps({ kind: rolloutKind, kindContext: env.workerContext(rolloutKind), plan: p });
      await rolloutKind.cleanup!({ ...env.workerContext(rolloutKind), plan: p, state: checkpoint.state });
      expect(error).toBeUndefined();
      expect(checkpoint.state.terminated).toHaveLength(6);
    } finally {
      sampler.stop();
    }
    expect(sampler.samples()).toBeGreaterThan(100);
    expect(sampler.lowest().capacity).toBeGreaterThanOrEqual(6 - 1);
  });
});
