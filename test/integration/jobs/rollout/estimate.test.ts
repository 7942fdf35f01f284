/**
 * The estimate learns from what the sandbox group shows, read with the bot's identity: its launches
 * (DescribeScalingActivities), when their Nodes turned Ready, and when the workloads' pods started.
 */
import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { deletePod, listPods } from '../../../../src/integrations/kubernetes/pods.js';
import { observeRollout } from '../../../../src/jobs/rollout/observe.js';
import { planRollout } from '../../../../src/jobs/rollout/plan.js';
import { rolloutSettingsSchema } from '../../../../src/jobs/rollout/settings.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';

const GROUP = 'eks-prod-workers';
const ARGS = { group: GROUP, canary: false, dryRun: false };

async function estimate(env: TestSandbox) {
  const outcome = planRollout(await observeRollout(env.bot, ARGS), ARGS, env.clock.now(), rolloutSettingsSchema.parse({}));
  if (outcome.kind !== 'plan') throw new Error(outcome.reason);
  return outcome.plan.estimate;
}

describe('rollout estimate from the group history (sandbox)', () => {
  let env: TestSandbox;
  beforeEach(async () => {
    env = await startTestSandbox();
  });
  afterEach(() => env.stop());

  it('starts from the stated defaults, then uses a launch (40 s boot + 15 s kubelet) and a pod start (1 s + 10 s) it saw', async () => {
    const before = await estimate(env);
    expect(before.basis[0]).toBe(`node Ready 55s: the stated default (no recent launch of ${GROUP})`);
    expect(before.basis[1]).toMatch(/^pod start → Ready 10s: the stated default/);

    await env.admin.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: GROUP, DesiredCapacity: 7 }));
    const api = (await listPods(env.admin.kube)).find((p) => p.namespace === 'web' && p.name.startsWith('api-'))!;
    await deletePod(env.admin.kube, 'web', api.name);
    await env.clock.advance(120_000);

    const after = await estimate(env);
    expect(after.basis[0]).toBe('node Ready 55s: median launch → InService 40s over the last 1 launch(es), InService → Node Ready 15s over 1');
    expect(after.basis[1]).toBe('pod start → Ready (median of running pods): web/api 11s; others 10s (stated default)');
  });
});
